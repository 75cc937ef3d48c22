/// The two GEMM-based convolution kernels of the kit (channels-last):
/// - **pointwise** (1×1, stride 1, no padding): the whole batch is one matrix `[N·H·W, Cin]`, so
///   group `g` is `Y[:, g·Co…] = X[:, g·Ci…] · W_gᵀ` — one strided `sgemm` (GEMM.swift) per group;
/// - **im2col**: for each image and group, the receptive fields are copied into a
///   `[Ho·Wo, k·k·Ci]` matrix (rows = output pixels, columns ordered `(ky, kx, c)`) and multiplied
///   by `W_gᵀ` (`[k·k·Ci, Co]`).
/// The reference is ``ConvolutionReference/convolve(_:weight:bias:geometry:activation:)``.
enum GemmConvolutionKernels {
    /// Copies the receptive fields of one image's channel slice into `columns`
    /// (`[Ho·Wo, k·k·channels]`), writing zeros where a tap falls into the padding; with
    /// `outputRows`, only those output rows (`columns` then starts at the first of them).
    ///
    /// - Parameters:
    ///   - image: the image's first pixel within the slice; pixels are `pixelStride` apart, `[H, W]`.
    static func im2col(image: UnsafePointer<Float>, pixelStride: Int, height: Int, width: Int, channels: Int,
                       geometry: ConvolutionGeometry, outputHeight: Int, outputWidth: Int,
                       outputRows: Range<Int>? = nil, columns: UnsafeMutablePointer<Float>) {
        let kernel = geometry.kernelSize
        let rowLength = kernel * kernel * channels
        let rows = outputRows ?? 0..<outputHeight
        // A kernel row of a dense pixel run (dilation 1, pixels packed) is one contiguous copy.
        let packedRuns = geometry.dilation == 1 && pixelStride == channels
        for row in rows {
            for column in 0..<outputWidth {
                var target = columns + ((row - rows.lowerBound) * outputWidth + column) * rowLength
                let firstColumn = column * geometry.stride - geometry.padding.left
                let columnsInside = firstColumn >= 0 && firstColumn + (kernel - 1) * geometry.dilation < width
                for kernelRow in 0..<kernel {
                    let inputRow = row * geometry.stride - geometry.padding.top + kernelRow * geometry.dilation
                    if packedRuns && columnsInside && inputRow >= 0 && inputRow < height {
                        target.update(from: image + (inputRow * width + firstColumn) * pixelStride, count: kernel * channels)
                        target += kernel * channels
                        continue
                    }
                    for kernelColumn in 0..<kernel {
                        let inputColumn = firstColumn + kernelColumn * geometry.dilation
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
