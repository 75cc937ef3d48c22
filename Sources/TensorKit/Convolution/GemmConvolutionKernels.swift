/// The two GEMM-based convolution kernels of the kit (channels-last):
/// - **pointwise** (1×1, stride 1, no padding): the whole batch is one matrix `[N·H·W, Cin]`, so
///   group `g` is `Y[:, g·Co…] = X[:, g·Ci…] · W_gᵀ` — one strided `sgemm` (GEMM.swift) per group;
/// - **im2col**: for each image and group, the receptive fields are copied into a
///   `[Ho·Wo, k·k·Ci]` matrix (rows = output pixels, columns ordered `(ky, kx, c)`) and multiplied
///   by `W_gᵀ` (`[k·k·Ci, Co]`).
/// The reference is ``ConvolutionReference/convolve(_:weight:bias:geometry:activation:)``.
enum GemmConvolutionKernels {
    /// Copies the receptive fields of one image's channel slice into `columns`
    /// (`[Ho·Wo, k·k·channels]`), writing zeros where a tap falls into the padding.
    ///
    /// - Parameters:
    ///   - image: the image's first pixel within the slice; pixels are `pixelStride` apart, `[H, W]`.
    static func im2col(image: UnsafePointer<Float>, pixelStride: Int, height: Int, width: Int, channels: Int,
                       geometry: ConvolutionGeometry, outputHeight: Int, outputWidth: Int,
                       columns: UnsafeMutablePointer<Float>) {
        let kernel = geometry.kernelSize
        let rowLength = kernel * kernel * channels
        for row in 0..<outputHeight {
            for column in 0..<outputWidth {
                var target = columns + (row * outputWidth + column) * rowLength
                for kernelRow in 0..<kernel {
                    let inputRow = row * geometry.stride - geometry.padding.top + kernelRow * geometry.dilation
                    for kernelColumn in 0..<kernel {
                        let inputColumn = column * geometry.stride - geometry.padding.left + kernelColumn * geometry.dilation
                        if inputRow >= 0 && inputRow < height && inputColumn >= 0 && inputColumn < width {
                            target.update(from: image + (inputRow * width + inputColumn) * pixelStride, count: channels)
                        } else {
                            target.update(repeating: 0, count: channels)
                        }
                        target += channels
                    }
                }
            }
        }
    }
}
