/// A channels-last depthwise convolution (or average pooling) with a fused epilogue:
/// `y[n, i, j, c] = activation(addend[n, i, j, c] + bias[c] + Σ_{ky, kx} w[ky, kx, c] · x[n, i·s − top + ky·d, j·s − left + kx·d, c])`,
/// zero outside the image. The AVX2 + FMA twin of TensorKit's `DepthwiseKernel`, which is its
/// reference (with `ConvolutionReference`). Every pointer must be valid for the extents it is used
/// with; TensorKit's `Conv2d` validates the shapes first.
public struct DepthwiseProblem {
    /// Input slice `[N, H, W, channels]`, pixels `inputStride` floats apart.
    public var input: UnsafePointer<Float>
    public var inputStride: Int
    public var inputHeight: Int, inputWidth: Int
    /// Output slice `[N, Ho, Wo, channels]`.
    public var output: UnsafeMutablePointer<Float>
    public var outputStride: Int
    public var outputHeight: Int, outputWidth: Int
    /// Added before the bias; same shape as the output (may be the output itself).
    public var addend: UnsafePointer<Float>?
    public var addendStride: Int
    public var channels: Int
    /// `[k, k, channels]`, tap-major.
    public var weights: UnsafePointer<Float>
    /// `[channels]`.
    public var bias: UnsafePointer<Float>
    public var slopes: UnsafePointer<Float>?
    public var activation: KernelActivation
    public var kernelSize: Int, stride: Int, dilation: Int, padTop: Int, padLeft: Int
    /// The image row held first at `input` and the output row held first at `output` (and
    /// `addend`): 0 for whole maps; a band's first rows when a fused block computes the
    /// convolution band by band (then `batch` must be 1 and `input` must hold every row the
    /// band's taps read).
    public var inputRowOrigin: Int, outputRowOrigin: Int

    public init(input: UnsafePointer<Float>, inputStride: Int, inputHeight: Int, inputWidth: Int,
                output: UnsafeMutablePointer<Float>, outputStride: Int, outputHeight: Int, outputWidth: Int,
                addend: UnsafePointer<Float>?, addendStride: Int, channels: Int, weights: UnsafePointer<Float>,
                bias: UnsafePointer<Float>, slopes: UnsafePointer<Float>?, activation: KernelActivation,
                kernelSize: Int, stride: Int, dilation: Int, padTop: Int, padLeft: Int,
                inputRowOrigin: Int = 0, outputRowOrigin: Int = 0) {
        self.input = input
        self.inputStride = inputStride
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.output = output
        self.outputStride = outputStride
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.addend = addend
        self.addendStride = addendStride
        self.channels = channels
        self.weights = weights
        self.bias = bias
        self.slopes = slopes
        self.activation = activation
        self.kernelSize = kernelSize
        self.stride = stride
        self.dilation = dilation
        self.padTop = padTop
        self.padLeft = padLeft
        self.inputRowOrigin = inputRowOrigin
        self.outputRowOrigin = outputRowOrigin
    }
}

extension AVX2Kernels {
    /// Computes output rows `rows` (flattened over `image · outputHeight + row`). Interior
    /// columns (all taps inside the image) go four at a time, each weight vector loaded once for
    /// four accumulators; border columns one at a time with their taps clipped.
    public static func depthwiseConvolution(_ p: DepthwiseProblem, rows: Range<Int>) {
        switch p.activation {
        case .identity: depthwiseConvolution(p, rows: rows, IdentityActivation.self)
        case .relu: depthwiseConvolution(p, rows: rows, ReLUActivation.self)
        case .relu6: depthwiseConvolution(p, rows: rows, ReLU6Activation.self)
        case .prelu: depthwiseConvolution(p, rows: rows, PReLUActivation.self)
        }
    }

    static func depthwiseConvolution<A: LaneActivation>(_ p: DepthwiseProblem, rows: Range<Int>, _ activation: A.Type) {
        let reach = (p.kernelSize - 1) * p.dilation
        let interiorStart = min(p.outputWidth, (p.padLeft + p.stride - 1) / p.stride)
        let lastInteriorInput = p.inputWidth - 1 - reach + p.padLeft
        let interiorEnd = lastInteriorInput < 0 ? interiorStart
            : max(interiorStart, min(p.outputWidth, lastInteriorInput / p.stride + 1))
        // The last interior columns (fewer than four) are done by a group of four that ends at
        // `interiorEnd`, recomputing up to three pixels with the same sums in the same order —
        // unless the addend is the output itself (in-place accumulation reads what it wrote).
        let overlapsLastGroup = interiorEnd - interiorStart >= 4 && (p.addend.map { $0 != UnsafePointer(p.output) } ?? true)
        for flatRow in rows {
            let image = flatRow / p.outputHeight, row = flatRow % p.outputHeight
            let firstInputRow = row * p.stride - p.padTop
            let kernelRows = max(0, (-firstInputRow + p.dilation - 1) / p.dilation)
                ..< max(0, min(p.kernelSize, (p.inputHeight - firstInputRow + p.dilation - 1) / p.dilation))
            let imageInput = p.input + image * p.inputHeight * p.inputWidth * p.inputStride
            // Rows are addressed relative to the first stored row (the band's origin).
            let firstStoredRow = firstInputRow - p.inputRowOrigin
            let outputRow = flatRow - p.outputRowOrigin
            var column = 0
            while column < p.outputWidth {
                if column >= interiorStart && column + 4 <= interiorEnd {
                    depthwiseFourInterior(p, imageInput: imageInput, firstInputRow: firstStoredRow, kernelRows: kernelRows,
                                          flatRow: outputRow, column: column, A.self)
                    column += 4
                } else if overlapsLastGroup && column >= interiorStart && column < interiorEnd {
                    depthwiseFourInterior(p, imageInput: imageInput, firstInputRow: firstStoredRow, kernelRows: kernelRows,
                                          flatRow: outputRow, column: interiorEnd - 4, A.self)
                    column = interiorEnd
                } else {
                    let firstInputColumn = column * p.stride - p.padLeft
                    let kernelColumns = max(0, (-firstInputColumn + p.dilation - 1) / p.dilation)
                        ..< max(0, min(p.kernelSize, (p.inputWidth - firstInputColumn + p.dilation - 1) / p.dilation))
                    depthwisePixel(p, imageInput: imageInput, firstInputRow: firstStoredRow, kernelRows: kernelRows,
                                   firstInputColumn: firstInputColumn, kernelColumns: kernelColumns,
                                   outputPixel: outputRow * p.outputWidth + column, A.self)
                    column += 1
                }
            }
        }
    }

    /// One output pixel with the taps `kernelRows × kernelColumns` (those inside the image).
    @inline(__always)
    static func depthwisePixel<A: LaneActivation>(_ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int, kernelRows: Range<Int>,
                               firstInputColumn: Int, kernelColumns: Range<Int>, outputPixel: Int,
                                                  _ activation: A.Type) {
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let rowStride = p.inputWidth * p.inputStride
        var channel = 0
        while channel + 8 <= p.channels {
            var sum = addend.map { load($0 + channel) } ?? Lanes(repeating: 0)
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in kernelColumns {
                    sum = sum.addingProduct(load(taps + kernelColumn * p.channels),
                                            load(inputRow + (firstInputColumn + kernelColumn * p.dilation) * p.inputStride))
                }
            }
            store(A.apply(sum + load(p.bias + channel), slopes: p.slopes, channel: channel), to: target + channel)
            channel += 8
        }
        while channel < p.channels {
            var sum: Float = addend.map { $0[channel] } ?? 0
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in kernelColumns {
                    sum += taps[kernelColumn * p.channels] * inputRow[(firstInputColumn + kernelColumn * p.dilation) * p.inputStride]
                }
            }
            target[channel] = A.apply(sum + p.bias[channel], slopes: p.slopes, channel: channel)
            channel += 1
        }
    }

    /// Four horizontally adjacent output pixels whose taps all lie inside the image columns.
    @inline(__always)
    static func depthwiseFourInterior<A: LaneActivation>(_ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
                                      kernelRows: Range<Int>, flatRow: Int, column: Int, _ activation: A.Type) {
        let rowStride = p.inputWidth * p.inputStride
        let pixelStep = p.stride * p.inputStride, tapStep = p.dilation * p.inputStride
        let firstInputColumn = column * p.stride - p.padLeft
        let outputPixel = flatRow * p.outputWidth + column
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let outputStride = p.outputStride, addendStride = p.addendStride
        var channel = 0
        while channel + 8 <= p.channels {
            var sum0 = Lanes(repeating: 0), sum1 = sum0, sum2 = sum0, sum3 = sum0
            if let addend {
                sum0 = load(addend + channel)
                sum1 = load(addend + addendStride + channel)
                sum2 = load(addend + 2 * addendStride + channel)
                sum3 = load(addend + 3 * addendStride + channel)
            }
            for kernelRow in kernelRows {
                var pixel = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + firstInputColumn * p.inputStride + channel
                var tap = p.weights + kernelRow * p.kernelSize * p.channels + channel
                if p.kernelSize == 3 && pixelStep == tapStep {
                    // 3 taps, stride = dilation (MobileNet's 3×3 stride 1): the four outputs share
                    // input columns, so 6 loads instead of 12 (same sums, same order).
                    let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
                    let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep)
                    let x3 = load(pixel + 3 * tapStep), x4 = load(pixel + 4 * tapStep), x5 = load(pixel + 5 * tapStep)
                    sum0 = sum0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2)
                    sum1 = sum1.addingProduct(w0, x1).addingProduct(w1, x2).addingProduct(w2, x3)
                    sum2 = sum2.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4)
                    sum3 = sum3.addingProduct(w0, x3).addingProduct(w1, x4).addingProduct(w2, x5)
                    continue
                }
                if p.kernelSize == 3 && pixelStep == 2 * tapStep {
                    // 3 taps at stride 2 (the 3×3 stride-2 layers): 9 loads instead of 12.
                    let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
                    let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep)
                    sum0 = sum0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2)
                    let x3 = load(pixel + 3 * tapStep), x4 = load(pixel + 4 * tapStep)
                    sum1 = sum1.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4)
                    let x5 = load(pixel + 5 * tapStep), x6 = load(pixel + 6 * tapStep)
                    sum2 = sum2.addingProduct(w0, x4).addingProduct(w1, x5).addingProduct(w2, x6)
                    let x7 = load(pixel + 7 * tapStep), x8 = load(pixel + 8 * tapStep)
                    sum3 = sum3.addingProduct(w0, x6).addingProduct(w1, x7).addingProduct(w2, x8)
                    continue
                }
                if p.kernelSize == 5 && pixelStep == 2 * tapStep {
                    // 5 taps at stride 2 (the 5×5 stride-2 layers of MnasNet and EfficientNet): 11 loads instead of 20.
                    let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
                    let w3 = load(tap + 3 * p.channels), w4 = load(tap + 4 * p.channels)
                    let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep)
                    let x3 = load(pixel + 3 * tapStep), x4 = load(pixel + 4 * tapStep)
                    sum0 = sum0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2).addingProduct(w3, x3).addingProduct(w4, x4)
                    let x5 = load(pixel + 5 * tapStep), x6 = load(pixel + 6 * tapStep)
                    sum1 = sum1.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4).addingProduct(w3, x5).addingProduct(w4, x6)
                    let x7 = load(pixel + 7 * tapStep), x8 = load(pixel + 8 * tapStep)
                    sum2 = sum2.addingProduct(w0, x4).addingProduct(w1, x5).addingProduct(w2, x6).addingProduct(w3, x7).addingProduct(w4, x8)
                    let x9 = load(pixel + 9 * tapStep), x10 = load(pixel + 10 * tapStep)
                    sum3 = sum3.addingProduct(w0, x6).addingProduct(w1, x7).addingProduct(w2, x8).addingProduct(w3, x9).addingProduct(w4, x10)
                    continue
                }
                if p.kernelSize == 5 && pixelStep == tapStep {
                    // 5 taps, stride = dilation (5×5 stride 1 of MnasNet and EfficientNet): 8 loads instead of 20.
                    let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
                    let w3 = load(tap + 3 * p.channels), w4 = load(tap + 4 * p.channels)
                    let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep), x3 = load(pixel + 3 * tapStep)
                    let x4 = load(pixel + 4 * tapStep), x5 = load(pixel + 5 * tapStep), x6 = load(pixel + 6 * tapStep)
                    let x7 = load(pixel + 7 * tapStep)
                    sum0 = sum0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2).addingProduct(w3, x3).addingProduct(w4, x4)
                    sum1 = sum1.addingProduct(w0, x1).addingProduct(w1, x2).addingProduct(w2, x3).addingProduct(w3, x4).addingProduct(w4, x5)
                    sum2 = sum2.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4).addingProduct(w3, x5).addingProduct(w4, x6)
                    sum3 = sum3.addingProduct(w0, x3).addingProduct(w1, x4).addingProduct(w2, x5).addingProduct(w3, x6).addingProduct(w4, x7)
                    continue
                }
                for _ in 0..<p.kernelSize {
                    let weight = load(tap)
                    sum0 = sum0.addingProduct(weight, load(pixel))
                    sum1 = sum1.addingProduct(weight, load(pixel + pixelStep))
                    sum2 = sum2.addingProduct(weight, load(pixel + 2 * pixelStep))
                    sum3 = sum3.addingProduct(weight, load(pixel + 3 * pixelStep))
                    tap += p.channels
                    pixel += tapStep
                }
            }
            let bias = load(p.bias + channel)
            store(A.apply(sum0 + bias, slopes: p.slopes, channel: channel), to: target + channel)
            store(A.apply(sum1 + bias, slopes: p.slopes, channel: channel), to: target + outputStride + channel)
            store(A.apply(sum2 + bias, slopes: p.slopes, channel: channel), to: target + 2 * outputStride + channel)
            store(A.apply(sum3 + bias, slopes: p.slopes, channel: channel), to: target + 3 * outputStride + channel)
            channel += 8
        }
        if channel < p.channels {
            for offset in 0..<4 {
                let pixelInput = firstInputColumn + offset * p.stride
                depthwiseTailChannels(p, from: channel, imageInput: imageInput, firstInputRow: firstInputRow,
                                      kernelRows: kernelRows, firstInputColumn: pixelInput, outputPixel: outputPixel + offset, A.self)
            }
        }
    }

    /// Channels `firstChannel ..< channels` of one pixel whose column taps are all inside the image.
    @inline(__always)
    static func depthwiseTailChannels<A: LaneActivation>(_ p: DepthwiseProblem, from firstChannel: Int, imageInput: UnsafePointer<Float>,
                                      firstInputRow: Int, kernelRows: Range<Int>, firstInputColumn: Int, outputPixel: Int,
                                                         _ activation: A.Type) {
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let rowStride = p.inputWidth * p.inputStride
        for channel in firstChannel..<p.channels {
            var sum: Float = addend.map { $0[channel] } ?? 0
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in 0..<p.kernelSize {
                    sum += taps[kernelColumn * p.channels] * inputRow[(firstInputColumn + kernelColumn * p.dilation) * p.inputStride]
                }
            }
            target[channel] = A.apply(sum + p.bias[channel], slopes: p.slopes, channel: channel)
        }
    }
}
