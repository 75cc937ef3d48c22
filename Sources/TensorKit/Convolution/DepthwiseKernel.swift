/// Raw-pointer description of a channel slice of a ``FeatureMap``: the slice's first value and the
/// distance between consecutive pixels (the full map's channel count).
struct PixelRows {
    var base: UnsafeMutablePointer<Float>
    var pixelStride: Int
}

/// The direct depthwise-convolution kernel (channels-last, SIMD over channels).
///
/// For every output pixel and each block of eight channels, the sum over the kernel taps stays in
/// one `SIMD8<Float>` register: `acc += w[ky, kx, c…c+7] · x[iy, ix, c…c+7]`. Stride, dilation and
/// (asymmetric) padding only change which input pixel a tap reads, so one loop serves MobileNet's
/// 3×3/5×5 stride-2 layers, ESPNetv2's dilated branches and 3×3 average pooling. The reference is
/// ``ConvolutionReference/convolve(_:weight:bias:geometry:activation:)`` with `groups == C`.
enum DepthwiseKernel {
    /// Everything the kernel needs besides the rows to compute.
    struct Problem {
        /// Input slice, `[N, H, W, channels]` with `input.pixelStride` between pixels.
        var input: PixelRows
        var batchSize: Int, inputHeight: Int, inputWidth: Int
        /// Output slice, `[N, Ho, Wo, channels]`.
        var output: PixelRows
        var outputHeight: Int, outputWidth: Int
        /// Optional slice added before the bias (residual / hierarchical fusion); same shape as `output`.
        var addend: PixelRows?
        var channels: Int
        /// `[k, k, channels]`: tap-major so a tap's channels are contiguous.
        var weights: UnsafePointer<Float>
        var bias: UnsafePointer<Float>
        var slopes: UnsafePointer<Float>?
        var activation: ActivationKind
        var geometry: ConvolutionGeometry
    }

    /// Computes output rows `rows` (flattened over `image · outputHeight + row`).
    static func run(_ problem: Problem, rows: Range<Int>) {
        let geometry = problem.geometry
        let kernel = geometry.kernelSize, stride = geometry.stride, dilation = geometry.dilation
        let channels = problem.channels
        let inputStride = problem.input.pixelStride, outputStride = problem.output.pixelStride
        for flatRow in rows {
            let image = flatRow / problem.outputHeight, row = flatRow % problem.outputHeight
            let firstInputRow = row * stride - geometry.padding.top
            // Kernel rows whose input row lies inside the image.
            let firstKernelRow = firstInputRow >= 0 ? 0 : (-firstInputRow + dilation - 1) / dilation
            let lastKernelRow = min(kernel, (problem.inputHeight - firstInputRow + dilation - 1) / dilation)
            let imageInput = problem.input.base + image * problem.inputHeight * problem.inputWidth * inputStride
            for column in 0..<problem.outputWidth {
                let firstInputColumn = column * stride - geometry.padding.left
                let firstKernelColumn = firstInputColumn >= 0 ? 0 : (-firstInputColumn + dilation - 1) / dilation
                let lastKernelColumn = min(kernel, (problem.inputWidth - firstInputColumn + dilation - 1) / dilation)
                let outputPixel = flatRow * problem.outputWidth + column
                let target = problem.output.base + outputPixel * outputStride
                let addendPixel = problem.addend.map { $0.base + outputPixel * $0.pixelStride }
                var channel = 0
                while channel + 8 <= channels {
                    var sum = addendPixel.map { UnsafeRawPointer($0 + channel).loadUnaligned(as: SIMD8<Float>.self) }
                        ?? SIMD8<Float>(repeating: 0)
                    var kernelRow = firstKernelRow
                    while kernelRow < lastKernelRow {
                        let inputRow = imageInput + (firstInputRow + kernelRow * dilation) * problem.inputWidth * inputStride
                        var kernelColumn = firstKernelColumn
                        while kernelColumn < lastKernelColumn {
                            let pixel = inputRow + (firstInputColumn + kernelColumn * dilation) * inputStride
                            let tap = problem.weights + (kernelRow * kernel + kernelColumn) * channels
                            sum += UnsafeRawPointer(tap + channel).loadUnaligned(as: SIMD8<Float>.self)
                                * UnsafeRawPointer(pixel + channel).loadUnaligned(as: SIMD8<Float>.self)
                            kernelColumn += 1
                        }
                        kernelRow += 1
                    }
                    UnsafeMutableRawPointer(target + channel).storeBytes(of: sum, as: SIMD8<Float>.self)
                    channel += 8
                }
                while channel < channels {
                    var sum: Float = addendPixel.map { $0[channel] } ?? 0
                    for kernelRow in firstKernelRow..<max(firstKernelRow, lastKernelRow) {
                        let inputRow = imageInput + (firstInputRow + kernelRow * dilation) * problem.inputWidth * inputStride
                        for kernelColumn in firstKernelColumn..<max(firstKernelColumn, lastKernelColumn) {
                            let pixel = inputRow + (firstInputColumn + kernelColumn * dilation) * inputStride
                            sum += problem.weights[(kernelRow * kernel + kernelColumn) * channels + channel] * pixel[channel]
                        }
                    }
                    target[channel] = sum
                    channel += 1
                }
                applyChannelEpilogue(target, channelCount: channels, scale: nil, bias: problem.bias,
                                     activation: problem.activation, slopes: problem.slopes)
            }
        }
    }
}
