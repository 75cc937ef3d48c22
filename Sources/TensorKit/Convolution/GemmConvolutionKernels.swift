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
                        copyRun(from: image + (inputRow * width + firstColumn) * pixelStride, to: target, count: kernel * channels)
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

    /// `target[0 ..< count] = source[0 ..< count]`. A stem's kernel row is 9 floats (3 pixels × RGB),
    /// copied 3 times per output pixel (49 152 times for a 128² stem map): through `memmove` the
    /// call costs more than the copy, so runs of fewer than 16 floats are moved in registers.
    @inline(__always)
    static func copyRun(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        guard count < 16 else {
            target.update(from: source, count: count)
            return
        }
        let from = UnsafeRawPointer(source), to = UnsafeMutableRawPointer(target)
        var offset = 0
        if count - offset >= 8 {
            to.storeBytes(of: from.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            offset = 8
        }
        if count - offset >= 4 {
            (to + offset * 4).storeBytes(of: (from + offset * 4).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
            offset += 4
        }
        if count - offset >= 2 {
            (to + offset * 4).storeBytes(of: (from + offset * 4).loadUnaligned(as: SIMD2<Float>.self), as: SIMD2<Float>.self)
            offset += 2
        }
        if count - offset >= 1 { target[offset] = source[offset] }
    }
}
