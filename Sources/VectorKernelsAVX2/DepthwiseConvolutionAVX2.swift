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
    /// Computes output rows `rows` (flattened over `image · outputHeight + row`; band-relative
    /// storage through `inputRowOrigin` / `outputRowOrigin`). Interior columns (all taps inside the
    /// image) go four at a time, sixteen channels at a time (``depthwiseFourInterior``: eight
    /// independent FMA chains, each weight vector loaded once for four pixels, the tap pattern a
    /// ``KernelRowTaps`` type picked once per call); border columns one at a time with their taps
    /// clipped, four channel vectors in lockstep (``depthwisePixel``). Every output's sum keeps the
    /// order of a one-output-at-a-time loop (addend, taps in kernel-row-major, kernel-column
    /// order, bias, activation), so the blocking never changes a bit. The caller guarantees
    /// that every pointer is valid for the extents `p` describes (TensorKit's `Conv2d` and
    /// `InvertedResidualBlock` validate the shapes before building `p`).
    public static func depthwiseConvolution(_ p: DepthwiseProblem, rows: Range<Int>) {
        switch p.activation {
        case .identity: depthwiseConvolution(p, rows: rows, IdentityActivation.self)
        case .relu: depthwiseConvolution(p, rows: rows, ReLUActivation.self)
        case .relu6: depthwiseConvolution(p, rows: rows, ReLU6Activation.self)
        case .prelu: depthwiseConvolution(p, rows: rows, PReLUActivation.self)
        }
    }

    static func depthwiseConvolution<A: LaneActivation>(_ p: DepthwiseProblem, rows: Range<Int>, _ activation: A.Type) {
        // The kernel-row loop of the interior path, chosen once per call (not per kernel row).
        let (stride, dilation) = (p.stride, p.dilation)
        switch p.kernelSize {
        case 3 where stride == dilation: depthwiseConvolution(p, rows: rows, A.self, ThreeTapsAtStrideOne.self)
        case 3 where stride == 2 * dilation: depthwiseConvolution(p, rows: rows, A.self, ThreeTapsAtStrideTwo.self)
        case 5 where stride == dilation: depthwiseConvolution(p, rows: rows, A.self, FiveTapsAtStrideOne.self)
        case 5 where stride == 2 * dilation: depthwiseConvolution(p, rows: rows, A.self, FiveTapsAtStrideTwo.self)
        default: depthwiseConvolution(p, rows: rows, A.self, AnyTaps.self)
        }
    }

    static func depthwiseConvolution<A: LaneActivation, R: KernelRowTaps>(_ p: DepthwiseProblem, rows: Range<Int>,
                                                                          _ activation: A.Type, _ taps: R.Type) {
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
                if column >= interiorStart && column < interiorEnd && (column + 4 <= interiorEnd || overlapsLastGroup) {
                    // A group of four interior columns; the last one may end at `interiorEnd`.
                    let groupStart = min(column, interiorEnd - 4)
                    depthwiseFourInterior(p, imageInput: imageInput, firstInputRow: firstStoredRow, kernelRows: kernelRows,
                                          flatRow: outputRow, column: groupStart, A.self, R.self)
                    column = groupStart + 4
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

    /// One output pixel with the taps `kernelRows × kernelColumns` (those inside the image):
    /// 32 channels a step as four independent chains (a single chain would wait out the FMA
    /// latency at every tap), then 8, then one at a time.
    @inline(__always)
    static func depthwisePixel<A: LaneActivation>(_ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int, kernelRows: Range<Int>,
                               firstInputColumn: Int, kernelColumns: Range<Int>, outputPixel: Int,
                                                  _ activation: A.Type) {
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let rowStride = p.inputWidth * p.inputStride
        var channel = 0
        // Four vectors a step, in lockstep: four independent FMA chains per tap.
        while channel + 32 <= p.channels {
            var sums = FourSums(addend: addend, stride: 8, channel: channel)
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in kernelColumns {
                    let weight = taps + kernelColumn * p.channels
                    let pixel = inputRow + (firstInputColumn + kernelColumn * p.dilation) * p.inputStride
                    sums.s0 = sums.s0.addingProduct(load(weight), load(pixel))
                    sums.s1 = sums.s1.addingProduct(load(weight + 8), load(pixel + 8))
                    sums.s2 = sums.s2.addingProduct(load(weight + 16), load(pixel + 16))
                    sums.s3 = sums.s3.addingProduct(load(weight + 24), load(pixel + 24))
                }
            }
            sums.store(to: target + channel, stride: 8, bias: p.bias, slopes: p.slopes, channel: channel, channelStep: 8, A.self)
            channel += 32
        }
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
    ///
    /// Channels go sixteen at a time: two 8-lane vectors × four pixels are eight independent
    /// accumulator chains, enough to keep both FMA pipes busy through their 4-cycle latency (four
    /// chains, one vector, cap the kernel at half the FMA peak). A last block of eight channels
    /// takes four chains, fewer than eight one lane at a time. Every output still sums its addend,
    /// then its taps in kernel-row-major, kernel-column order, then the bias: only independent
    /// outputs are interleaved, so the results are bit-identical to one pixel at a time.
    @inline(__always)
    static func depthwiseFourInterior<A: LaneActivation, R: KernelRowTaps>(
        _ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
        kernelRows: Range<Int>, flatRow: Int, column: Int, _ activation: A.Type, _ taps: R.Type
    ) {
        let rowStride = p.inputWidth * p.inputStride
        let firstInputColumn = column * p.stride - p.padLeft
        let outputPixel = flatRow * p.outputWidth + column
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let outputStride = p.outputStride, addendStride = p.addendStride
        let firstPixel = imageInput + firstInputRow * rowStride + firstInputColumn * p.inputStride
        var channel = 0
        while channel + 16 <= p.channels {
            var low = FourSums(addend: addend, stride: addendStride, channel: channel)
            var high = FourSums(addend: addend, stride: addendStride, channel: channel + 8)
            for kernelRow in kernelRows {
                let pixel = firstPixel + kernelRow * p.dilation * rowStride + channel
                let tap = p.weights + kernelRow * p.kernelSize * p.channels + channel
                R.accumulate(p, pixel: pixel, tap: tap, into: &low)
                R.accumulate(p, pixel: pixel + 8, tap: tap + 8, into: &high)
            }
            low.store(to: target + channel, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
            high.store(to: target + channel + 8, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel + 8, A.self)
            channel += 16
        }
        if channel + 8 <= p.channels {
            var sums = FourSums(addend: addend, stride: addendStride, channel: channel)
            for kernelRow in kernelRows {
                R.accumulate(p, pixel: firstPixel + kernelRow * p.dilation * rowStride + channel,
                                    tap: p.weights + kernelRow * p.kernelSize * p.channels + channel, into: &sums)
            }
            sums.store(to: target + channel, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
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

    /// Four 8-lane accumulators: one channel vector at four adjacent output pixels (the interior
    /// groups), or four consecutive channel vectors of one pixel (the border pixels).
    struct FourSums {
        var s0: Lanes, s1: Lanes, s2: Lanes, s3: Lanes

        /// The addends at `addend + channel + i · stride`, or zeros.
        @inline(__always)
        init(addend: UnsafePointer<Float>?, stride: Int, channel: Int) {
            if let addend {
                s0 = load(addend + channel)
                s1 = load(addend + stride + channel)
                s2 = load(addend + 2 * stride + channel)
                s3 = load(addend + 3 * stride + channel)
            } else {
                s0 = Lanes(repeating: 0)
                (s1, s2, s3) = (s0, s0, s0)
            }
        }

        /// `activation(sum_i + bias)` to `target + i · stride`, sum `i` of channels
        /// `channel + i · channelStep ..< + 8` (`channelStep` 0: one channel vector at four pixels).
        @inline(__always)
        func store<A: LaneActivation>(to target: UnsafeMutablePointer<Float>, stride: Int, bias: UnsafePointer<Float>,
                                      slopes: UnsafePointer<Float>?, channel: Int, channelStep: Int = 0, _ activation: A.Type) {
            @inline(__always) func finish(_ sum: Lanes, _ i: Int) {
                let channel = channel + i * channelStep
                AVX2Kernels.store(A.apply(sum + load(bias + channel), slopes: slopes, channel: channel), to: target + i * stride)
            }
            finish(s0, 0)
            finish(s1, 1)
            finish(s2, 2)
            finish(s3, 3)
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

/// One kernel row's taps, in kernel-column order, added to four adjacent outputs' sums for one
/// 8-channel vector: `pixel` is the first output's first tap, `tap` the row's first weight. A
/// type per tap pattern so that `AVX2Kernels.depthwiseConvolution` picks the pattern once per
/// call and the interior loop is specialised for it. When the outputs' taps overlap (3 or 5
/// taps at stride = dilation or 2 · dilation) each input vector is loaded once for every output
/// that reads it.
protocol KernelRowTaps {
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX2Kernels.FourSums)
}

/// 3 taps, stride = dilation (MobileNet's 3×3 stride 1): 6 input loads instead of 12.
enum ThreeTapsAtStrideOne: KernelRowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX2Kernels.FourSums) {
        let tapStep = p.dilation * p.inputStride
        let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
        let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep)
        let x3 = load(pixel + 3 * tapStep), x4 = load(pixel + 4 * tapStep), x5 = load(pixel + 5 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2)
        sums.s1 = sums.s1.addingProduct(w0, x1).addingProduct(w1, x2).addingProduct(w2, x3)
        sums.s2 = sums.s2.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4)
        sums.s3 = sums.s3.addingProduct(w0, x3).addingProduct(w1, x4).addingProduct(w2, x5)
    }
}

/// 3 taps at stride 2 · dilation (the 3×3 stride-2 layers): 9 input loads instead of 12.
enum ThreeTapsAtStrideTwo: KernelRowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX2Kernels.FourSums) {
        let tapStep = p.dilation * p.inputStride
        let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
        let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2)
        let x3 = load(pixel + 3 * tapStep), x4 = load(pixel + 4 * tapStep)
        sums.s1 = sums.s1.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4)
        let x5 = load(pixel + 5 * tapStep), x6 = load(pixel + 6 * tapStep)
        sums.s2 = sums.s2.addingProduct(w0, x4).addingProduct(w1, x5).addingProduct(w2, x6)
        let x7 = load(pixel + 7 * tapStep), x8 = load(pixel + 8 * tapStep)
        sums.s3 = sums.s3.addingProduct(w0, x6).addingProduct(w1, x7).addingProduct(w2, x8)
    }
}

/// 5 taps, stride = dilation (5×5 stride 1 of MnasNet and EfficientNet): 8 input loads instead of 20.
enum FiveTapsAtStrideOne: KernelRowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX2Kernels.FourSums) {
        let tapStep = p.dilation * p.inputStride
        let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
        let w3 = load(tap + 3 * p.channels), w4 = load(tap + 4 * p.channels)
        let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep), x3 = load(pixel + 3 * tapStep)
        let x4 = load(pixel + 4 * tapStep), x5 = load(pixel + 5 * tapStep), x6 = load(pixel + 6 * tapStep)
        let x7 = load(pixel + 7 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2).addingProduct(w3, x3).addingProduct(w4, x4)
        sums.s1 = sums.s1.addingProduct(w0, x1).addingProduct(w1, x2).addingProduct(w2, x3).addingProduct(w3, x4).addingProduct(w4, x5)
        sums.s2 = sums.s2.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4).addingProduct(w3, x5).addingProduct(w4, x6)
        sums.s3 = sums.s3.addingProduct(w0, x3).addingProduct(w1, x4).addingProduct(w2, x5).addingProduct(w3, x6).addingProduct(w4, x7)
    }
}

/// 5 taps at stride 2 · dilation (the 5×5 stride-2 layers of MnasNet and EfficientNet): 11 input
/// loads instead of 20.
enum FiveTapsAtStrideTwo: KernelRowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX2Kernels.FourSums) {
        let tapStep = p.dilation * p.inputStride
        let w0 = load(tap), w1 = load(tap + p.channels), w2 = load(tap + 2 * p.channels)
        let w3 = load(tap + 3 * p.channels), w4 = load(tap + 4 * p.channels)
        let x0 = load(pixel), x1 = load(pixel + tapStep), x2 = load(pixel + 2 * tapStep)
        let x3 = load(pixel + 3 * tapStep), x4 = load(pixel + 4 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2).addingProduct(w3, x3).addingProduct(w4, x4)
        let x5 = load(pixel + 5 * tapStep), x6 = load(pixel + 6 * tapStep)
        sums.s1 = sums.s1.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4).addingProduct(w3, x5).addingProduct(w4, x6)
        let x7 = load(pixel + 7 * tapStep), x8 = load(pixel + 8 * tapStep)
        sums.s2 = sums.s2.addingProduct(w0, x4).addingProduct(w1, x5).addingProduct(w2, x6).addingProduct(w3, x7).addingProduct(w4, x8)
        let x9 = load(pixel + 9 * tapStep), x10 = load(pixel + 10 * tapStep)
        sums.s3 = sums.s3.addingProduct(w0, x6).addingProduct(w1, x7).addingProduct(w2, x8).addingProduct(w3, x9).addingProduct(w4, x10)
    }
}

/// Any kernel size, stride and dilation (ESPNetv2's dilated branches, average pooling): each
/// tap's weight loaded once for the four outputs.
enum AnyTaps: KernelRowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX2Kernels.FourSums) {
        let pixelStep = p.stride * p.inputStride, tapStep = p.dilation * p.inputStride
        var pixel = pixel, tap = tap
        for _ in 0..<p.kernelSize {
            let weight = load(tap)
            sums.s0 = sums.s0.addingProduct(weight, load(pixel))
            sums.s1 = sums.s1.addingProduct(weight, load(pixel + pixelStep))
            sums.s2 = sums.s2.addingProduct(weight, load(pixel + 2 * pixelStep))
            sums.s3 = sums.s3.addingProduct(weight, load(pixel + 3 * pixelStep))
            tap += p.channels
            pixel += tapStep
        }
    }
}

@inline(__always)
private func load(_ pointer: UnsafePointer<Float>) -> AVX2Kernels.Lanes { AVX2Kernels.load(pointer) }
