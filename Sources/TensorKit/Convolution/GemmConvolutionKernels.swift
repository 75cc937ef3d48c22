import CBLAS

/// The two GEMM-based convolution kernels of the kit (channels-last):
/// - **pointwise** (1×1, stride 1, no padding): the whole batch is one matrix `[N·H·W, Cin]`, so
///   group `g` is `Y[:, g·Co…] = X[:, g·Ci…] · W_gᵀ` — one `cblas_sgemm` on strided views;
/// - **im2col**: for each image and group, the receptive fields are copied into a
///   `[Ho·Wo, k·k·Ci]` matrix (rows = output pixels, columns ordered `(ky, kx, c)`) and multiplied
///   by `W_gᵀ` (`[k·k·Ci, Co]`).
/// The reference is ``ConvolutionReference/convolve(_:weight:bias:geometry:activation:)``.
enum GemmConvolutionKernels {
    /// Row-major `C = A · Bᵀ + beta·C` on strided matrices: `A` is `[m, k]` with row stride `lda`,
    /// `B` is `[n, k]` with row stride `ldb`, `C` is `[m, n]` with row stride `ldc`.
    static func multiplyByTransposed(m: Int, n: Int, k: Int,
                                     a: UnsafePointer<Float>, lda: Int,
                                     b: UnsafePointer<Float>, ldb: Int,
                                     c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float) {
        guard m > 0, n > 0, k > 0 else { return }
        BLASThreading.applyInitialSetting()
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

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
