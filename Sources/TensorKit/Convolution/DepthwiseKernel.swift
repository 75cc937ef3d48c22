import VectorKernelsAVX2

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

    /// Computes output rows `rows` (flattened over `image · outputHeight + row`) with the kernel
    /// family `path`: ``runPortable(_:rows:)`` or its AVX2 + FMA twin `AVX2Kernels.depthwiseConvolution`.
    static func run(_ problem: Problem, rows: Range<Int>, path: KernelPath) {
        switch path {
        case .portable: runPortable(problem, rows: rows)
        case .avx2:
            let g = problem.geometry
            let fast = DepthwiseProblem(
                input: UnsafePointer(problem.input.base), inputStride: problem.input.pixelStride,
                inputHeight: problem.inputHeight, inputWidth: problem.inputWidth,
                output: problem.output.base, outputStride: problem.output.pixelStride,
                outputHeight: problem.outputHeight, outputWidth: problem.outputWidth,
                addend: problem.addend.map { UnsafePointer($0.base) }, addendStride: problem.addend?.pixelStride ?? 0,
                channels: problem.channels, weights: problem.weights, bias: problem.bias, slopes: problem.slopes,
                activation: problem.activation, kernelSize: g.kernelSize, stride: g.stride, dilation: g.dilation,
                padTop: g.padding.top, padLeft: g.padding.left)
            VectorKernels.depthwiseConvolution(fast, rows: rows)
        }
    }

    /// The portable kernel (SSE2), reference twin of the AVX2 one.
    ///
    /// Columns whose taps all fall inside the image are done four at a time (each weight vector
    /// loaded once for four outputs); the border columns one at a time with bounds checks.
    static func runPortable(_ problem: Problem, rows: Range<Int>) {
        let geometry = problem.geometry
        let kernel = geometry.kernelSize, stride = geometry.stride, dilation = geometry.dilation
        let reach = (kernel - 1) * dilation
        // Interior columns: firstInputColumn ≥ 0 and firstInputColumn + reach < inputWidth.
        let interiorStart = min(problem.outputWidth, (geometry.padding.left + stride - 1) / stride)
        let lastInteriorInput = problem.inputWidth - 1 - reach + geometry.padding.left
        let interiorEnd = lastInteriorInput < 0 ? interiorStart
            : max(interiorStart, min(problem.outputWidth, lastInteriorInput / stride + 1))
        for flatRow in rows {
            let image = flatRow / problem.outputHeight, row = flatRow % problem.outputHeight
            let firstInputRow = row * stride - geometry.padding.top
            // Kernel rows whose input row lies inside the image.
            let kernelRows = max(0, (-firstInputRow + dilation - 1) / dilation)
                ..< max(0, min(kernel, (problem.inputHeight - firstInputRow + dilation - 1) / dilation))
            let imageInput = UnsafePointer(problem.input.base) + image * problem.inputHeight * problem.inputWidth * problem.input.pixelStride
            var column = 0
            while column < problem.outputWidth {
                if column >= interiorStart && column + 4 <= interiorEnd {
                    accumulateFourInteriorPixels(problem, imageInput: imageInput, firstInputRow: firstInputRow,
                                                 kernelRows: kernelRows, flatRow: flatRow, column: column)
                    column += 4
                } else {
                    accumulatePixel(problem, imageInput: imageInput, firstInputRow: firstInputRow,
                                    kernelRows: kernelRows, flatRow: flatRow, column: column)
                    column += 1
                }
            }
        }
    }

    /// One output pixel, any position: taps outside the image are skipped.
    @inline(__always)
    private static func accumulatePixel(_ problem: Problem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
                                        kernelRows: Range<Int>, flatRow: Int, column: Int) {
        let geometry = problem.geometry
        let kernel = geometry.kernelSize, dilation = geometry.dilation, channels = problem.channels
        let inputStride = problem.input.pixelStride
        let firstInputColumn = column * geometry.stride - geometry.padding.left
        let kernelColumns = max(0, (-firstInputColumn + dilation - 1) / dilation)
            ..< max(0, min(kernel, (problem.inputWidth - firstInputColumn + dilation - 1) / dilation))
        let outputPixel = flatRow * problem.outputWidth + column
        let target = problem.output.base + outputPixel * problem.output.pixelStride
        let addendPixel = problem.addend.map { UnsafePointer($0.base) + outputPixel * $0.pixelStride }
        var channel = 0
        while channel + 8 <= channels {
            var sum = addendPixel.map { load8($0 + channel) } ?? SIMD8<Float>(repeating: 0)
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * dilation) * problem.inputWidth * inputStride
                for kernelColumn in kernelColumns {
                    let pixel = inputRow + (firstInputColumn + kernelColumn * dilation) * inputStride
                    sum += load8(problem.weights + (kernelRow * kernel + kernelColumn) * channels + channel) * load8(pixel + channel)
                }
            }
            store8(sum, to: target + channel)
            channel += 8
        }
        accumulateRemainingChannels(problem, from: channel, imageInput: imageInput, firstInputRow: firstInputRow,
                                    kernelRows: kernelRows, firstInputColumn: firstInputColumn,
                                    kernelColumns: kernelColumns, target: target, addendPixel: addendPixel)
        applyChannelEpilogue(target, channelCount: channels, scale: nil, bias: problem.bias,
                             activation: problem.activation, slopes: problem.slopes)
    }

    /// The channels after the last whole SIMD block of one pixel, one at a time.
    @inline(__always)
    private static func accumulateRemainingChannels(_ problem: Problem, from firstChannel: Int, imageInput: UnsafePointer<Float>,
                                                    firstInputRow: Int, kernelRows: Range<Int>, firstInputColumn: Int,
                                                    kernelColumns: Range<Int>, target: UnsafeMutablePointer<Float>,
                                                    addendPixel: UnsafePointer<Float>?) {
        let kernel = problem.geometry.kernelSize, dilation = problem.geometry.dilation, channels = problem.channels
        let inputStride = problem.input.pixelStride
        for channel in firstChannel..<channels {
            var sum: Float = addendPixel.map { $0[channel] } ?? 0
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * dilation) * problem.inputWidth * inputStride
                for kernelColumn in kernelColumns {
                    let pixel = inputRow + (firstInputColumn + kernelColumn * dilation) * inputStride
                    sum += problem.weights[(kernelRow * kernel + kernelColumn) * channels + channel] * pixel[channel]
                }
            }
            target[channel] = sum
        }
    }

    /// Four horizontally adjacent output pixels whose taps all lie inside the image columns:
    /// each tap's weight vector is loaded once and used for four accumulators.
    @inline(__always)
    private static func accumulateFourInteriorPixels(_ problem: Problem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
                                                     kernelRows: Range<Int>, flatRow: Int, column: Int) {
        let geometry = problem.geometry
        let kernel = geometry.kernelSize, dilation = geometry.dilation, channels = problem.channels
        let inputStride = problem.input.pixelStride, outputStride = problem.output.pixelStride
        let pixelStep = geometry.stride * inputStride
        let firstInputColumn = column * geometry.stride - geometry.padding.left
        let outputPixel = flatRow * problem.outputWidth + column
        let target = problem.output.base + outputPixel * outputStride
        let addendPixel = problem.addend.map { UnsafePointer($0.base) + outputPixel * $0.pixelStride }
        let addendStride = problem.addend?.pixelStride ?? 0
        var channel = 0
        while channel + 8 <= channels {
            var sum0 = SIMD8<Float>(repeating: 0), sum1 = sum0, sum2 = sum0, sum3 = sum0
            if let addendPixel {
                sum0 = load8(addendPixel + channel)
                sum1 = load8(addendPixel + addendStride + channel)
                sum2 = load8(addendPixel + 2 * addendStride + channel)
                sum3 = load8(addendPixel + 3 * addendStride + channel)
            }
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * dilation) * problem.inputWidth * inputStride + channel
                let taps = problem.weights + kernelRow * kernel * channels + channel
                for kernelColumn in 0..<kernel {
                    let weight = load8(taps + kernelColumn * channels)
                    let pixel = inputRow + (firstInputColumn + kernelColumn * dilation) * inputStride
                    sum0 += weight * load8(pixel)
                    sum1 += weight * load8(pixel + pixelStep)
                    sum2 += weight * load8(pixel + 2 * pixelStep)
                    sum3 += weight * load8(pixel + 3 * pixelStep)
                }
            }
            store8(sum0, to: target + channel)
            store8(sum1, to: target + outputStride + channel)
            store8(sum2, to: target + 2 * outputStride + channel)
            store8(sum3, to: target + 3 * outputStride + channel)
            channel += 8
        }
        for offset in 0..<4 {
            let pixelTarget = target + offset * outputStride
            accumulateRemainingChannels(problem, from: channel, imageInput: imageInput, firstInputRow: firstInputRow,
                                        kernelRows: kernelRows, firstInputColumn: firstInputColumn + offset * geometry.stride,
                                        kernelColumns: 0..<kernel, target: pixelTarget,
                                        addendPixel: addendPixel.map { $0 + offset * addendStride })
            applyChannelEpilogue(pixelTarget, channelCount: channels, scale: nil, bias: problem.bias,
                                 activation: problem.activation, slopes: problem.slopes)
        }
    }

    @inline(__always)
    private static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store8(_ value: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}
