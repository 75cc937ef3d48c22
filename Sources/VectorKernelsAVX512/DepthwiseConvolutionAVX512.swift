import VectorKernelsAVX2

extension AVX512Kernels {
    /// The AVX-512 twin of ``VectorKernelsAVX2/AVX2Kernels/depthwiseConvolution(_:rows:)``: the same
    /// problem, the same split into interior groups of four columns and border pixels, and the same
    /// sum per output (addend, taps in kernel-row-major, kernel-column order, bias, activation), so
    /// its results equal the AVX2 kernel's bit for bit. Interior groups take 32 channels a step
    /// (two 16-lane vectors × four pixels: eight FMA chains), then 16, then 8, then one lane at a
    /// time; border pixels four 16-lane vectors in lockstep.
    public static func depthwiseConvolution(_ p: DepthwiseProblem, rows: Range<Int>) {
        switch p.activation {
        case .identity: depthwiseConvolution(p, rows: rows, IdentityLanes.self)
        case .relu: depthwiseConvolution(p, rows: rows, ReLULanes.self)
        case .relu6: depthwiseConvolution(p, rows: rows, ReLU6Lanes.self)
        case .prelu: depthwiseConvolution(p, rows: rows, PReLULanes.self)
        }
    }

    static func depthwiseConvolution<A: WideActivation>(_ p: DepthwiseProblem, rows: Range<Int>, _ activation: A.Type) {
        let (stride, dilation) = (p.stride, p.dilation)
        switch p.kernelSize {
        case 3 where dilation == 1 && stride == 1 && p.channels >= 8 && depthwiseRowsEnabled:
            depthwiseRows(p, rows: rows, A.self, DepthwiseStrideOne.self)
        case 3 where dilation == 1 && stride == 2 && p.channels >= 8 && depthwiseRowsEnabled:
            depthwiseRows(p, rows: rows, A.self, DepthwiseStrideTwo.self)
        case 3 where stride == dilation: depthwiseConvolution(p, rows: rows, A.self, ThreeTapsAtStrideOne.self)
        case 3 where stride == 2 * dilation: depthwiseConvolution(p, rows: rows, A.self, ThreeTapsAtStrideTwo.self)
        case 5 where stride == dilation: depthwiseConvolution(p, rows: rows, A.self, FiveTapsAtStrideOne.self)
        case 5 where stride == 2 * dilation: depthwiseConvolution(p, rows: rows, A.self, FiveTapsAtStrideTwo.self)
        default: depthwiseConvolution(p, rows: rows, A.self, AnyTaps.self)
        }
    }

    static func depthwiseConvolution<A: WideActivation, R: RowTaps>(_ p: DepthwiseProblem, rows: Range<Int>,
                                                                    _ activation: A.Type, _ taps: R.Type) {
        if let slices = PaddedSlices(p) {
            depthwisePadded(p, rows: rows, slices: slices, A.self, R.self)
            return
        }
        plainRows(p, rows: rows, channels: 0..<p.channels, A.self, R.self)
    }

    /// Channels `channels` of output rows `rows`, pixel by pixel: interior groups of four
    /// (``fourInterior(_:imageInput:firstInputRow:kernelRows:flatRow:column:channels:_:_:)``) and border pixels.
    static func plainRows<A: WideActivation, R: RowTaps>(_ p: DepthwiseProblem, rows: Range<Int>, channels: Range<Int>,
                                                         _ activation: A.Type, _ taps: R.Type) {
        // The column split of the AVX2 kernel (interior groups of four, the last group may
        // overlap the one before it), so both kernels compute the same outputs the same way.
        let interior = interiorColumns(p)
        let (interiorStart, interiorEnd) = (interior.lowerBound, interior.upperBound)
        let overlapsLastGroup = interiorEnd - interiorStart >= 4 && (p.addend.map { $0 != UnsafePointer(p.output) } ?? true)
        for flatRow in rows {
            let image = flatRow / p.outputHeight, row = flatRow % p.outputHeight
            let firstInputRow = row * p.stride - p.padTop
            let kernelRows = max(0, (-firstInputRow + p.dilation - 1) / p.dilation)
                ..< max(0, min(p.kernelSize, (p.inputHeight - firstInputRow + p.dilation - 1) / p.dilation))
            let imageInput = p.input + image * p.inputHeight * p.inputWidth * p.inputStride
            let firstStoredRow = firstInputRow - p.inputRowOrigin
            let outputRow = flatRow - p.outputRowOrigin
            var column = 0
            while column < p.outputWidth {
                if column >= interiorStart && column < interiorEnd && (column + 4 <= interiorEnd || overlapsLastGroup) {
                    let groupStart = min(column, interiorEnd - 4)
                    fourInterior(p, imageInput: imageInput, firstInputRow: firstStoredRow, kernelRows: kernelRows,
                                 flatRow: outputRow, column: groupStart, channels: channels, A.self, R.self)
                    column = groupStart + 4
                } else {
                    borderPixel(PixelTaps(clippedAt: column, p, imageInput: imageInput, firstInputRow: firstStoredRow,
                                          kernelRows: kernelRows, outputRow: outputRow), channels: channels, A.self)
                    column += 1
                }
            }
        }
    }

    /// The output columns whose taps all lie inside the image (for some maps none: an empty range
    /// at the start of the border).
    static func interiorColumns(_ p: DepthwiseProblem) -> Range<Int> {
        let reach = (p.kernelSize - 1) * p.dilation
        let interiorStart = min(p.outputWidth, (p.padLeft + p.stride - 1) / p.stride)
        let lastInteriorInput = p.inputWidth - 1 - reach + p.padLeft
        let interiorEnd = lastInteriorInput < 0 ? interiorStart
            : max(interiorStart, min(p.outputWidth, lastInteriorInput / p.stride + 1))
        return interiorStart..<interiorEnd
    }

    /// Small maps with many channels (the 8² … 16² maps of 480 … 1152 channels): all 25 taps of
    /// a pixel's channels do not fit in L1 (1152 channels × 25 taps: 115 KB of weights, plus the
    /// input rows), so the plain path reads them from L2 for every group of four pixels, and a
    /// quarter to a half of the pixels are border ones. Here the map goes block of channels by
    /// block (``channelBlockEnd(_:start:)``), a few output rows at a time: the input rows those
    /// rows read, for one block, are copied into a zero-padded slice of at most
    /// ``PaddedSlices/budgetFloats`` floats, and every output pixel then runs the interior
    /// kernel on the slice, its block's weights and inputs in L1.
    struct PaddedSlices {
        /// Floats of one slice: 24 KB, most of a 32 KB L1 with the block's weights beside it.
        static let budgetFloats = 6144
        /// Columns of a padded row: every input column the output row reads, padding included.
        let paddedWidth: Int
        let reach: Int

        /// Nil when the plain path suits the map better (`hatnet bench encoders --layer-profile`,
        /// BENCHMARKS.md session 9): fewer than 64 channels (one or two cache lines a pixel); a
        /// kernel smaller than 5 × 5 or a stride above 1, whose few taps per copied input value do
        /// not pay for the copy; or padded rows so wide that the input rows of two output rows
        /// would not fit the budget (each slice would copy every input row several times).
        init?(_ p: DepthwiseProblem) {
            guard p.channels >= 64, p.kernelSize >= 5, p.stride == 1, p.kernelSize <= 64, p.dilation <= 64, p.outputWidth >= 1,
                  p.outputWidth <= Self.budgetFloats else { return nil }
            reach = (p.kernelSize - 1) * p.dilation
            paddedWidth = (p.outputWidth - 1) * p.stride + reach + 1
            // The widest block (``channelBlockEnd(_:start:)``) must take two output rows at least.
            let widestBlock = p.channels % 32 == 0 ? 32 : 32 + p.channels % 32
            guard let rows = rowsPerSlice(blockWidth: widestBlock, stride: p.stride), rows >= 2 else { return nil }
        }

        /// Output rows a slice holds for a block `blockWidth` channels wide (nil if not one).
        func rowsPerSlice(blockWidth: Int, stride: Int) -> Int? {
            let inputRows = Self.budgetFloats / (paddedWidth * blockWidth)
            return inputRows > reach ? (inputRows - reach - 1) / stride + 1 : nil
        }
    }

    static func depthwisePadded<A: WideActivation, R: RowTaps>(_ p: DepthwiseProblem, rows: Range<Int>, slices: PaddedSlices,
                                                               _ activation: A.Type, _ taps: R.Type) {
        let mayRepeat = p.addend.map { $0 != UnsafePointer(p.output) } ?? true
        let paddedWidth = slices.paddedWidth
        let fiveByFive = p.kernelSize == 5 && p.stride == 1 && p.dilation == 1
        withUnsafeTemporaryAllocation(of: Float.self, capacity: PaddedSlices.budgetFloats) { buffer in
            let slice = buffer.baseAddress!
            var blockStart = 0
            while blockStart < p.channels {
                let channels = blockStart ..< channelBlockEnd(p, start: blockStart)
                blockStart = channels.upperBound
                let width = channels.count
                let rowsPerSlice = slices.rowsPerSlice(blockWidth: width, stride: p.stride) ?? 1
                // The slice seen as a map of `width`-channel pixels whose channel `c` is at
                // `slice + c − channels.lowerBound`, with no padding left to apply.
                var q = p
                q.inputStride = width
                q.inputWidth = paddedWidth
                q.padLeft = 0
                let sliceChannels = UnsafePointer(slice - channels.lowerBound)
                var flatRow = rows.lowerBound
                while flatRow < rows.upperBound {
                    let image = flatRow / p.outputHeight, row = flatRow % p.outputHeight
                    let sliceEnd = min(rows.upperBound, flatRow + rowsPerSlice, (image + 1) * p.outputHeight)
                    let firstInputRow = row * p.stride - p.padTop
                    let inputRows = (sliceEnd - flatRow - 1) * p.stride + slices.reach + 1
                    fillPaddedSlice(p, slice: slice, image: image, firstInputRow: firstInputRow, inputRows: inputRows,
                                    paddedWidth: paddedWidth, channels: channels)
                    for offset in 0..<(sliceEnd - flatRow) {
                        let outputRow = flatRow + offset - p.outputRowOrigin
                        var column = 0
                        if fiveByFive {
                            while column + 8 <= p.outputWidth {
                                eightFiveByFive(q, imageInput: sliceChannels, firstInputRow: offset, flatRow: outputRow, column: column,
                                                channels: channels, A.self, R.self)
                                column += 8
                            }
                        }
                        while column < p.outputWidth {
                            let groupStart = min(column, p.outputWidth - 4)
                            if groupStart == column || (groupStart >= 0 && mayRepeat) {
                                fourInterior(q, imageInput: sliceChannels, firstInputRow: offset * p.stride, kernelRows: 0..<p.kernelSize,
                                             flatRow: outputRow, column: groupStart, channels: channels, A.self, R.self)
                                column = groupStart + 4
                            } else {
                                let pixel = PixelTaps(p: q, imageInput: sliceChannels, firstInputRow: offset * p.stride,
                                                      kernelRows: 0..<p.kernelSize, firstInputColumn: column * p.stride,
                                                      kernelColumns: 0..<p.kernelSize, outputPixel: outputRow * p.outputWidth + column)
                                borderPixel(pixel, channels: channels, A.self)
                                column += 1
                            }
                        }
                    }
                    flatRow = sliceEnd
                }
            }
        }
    }

    /// Eight adjacent output pixels of a 5 × 5, stride-1, dilation-1 map read from a padded slice
    /// (every tap inside it), their `channels`: one 16-lane vector at a time as eight FMA chains,
    /// each tap's weight vector loaded once for the eight outputs (four outputs a step leave four
    /// chains of 25 dependent FMAs, too few to hide the FMA latency: 51–64 % of the peak against
    /// 65–90 % in a C microbenchmark of this order, BENCHMARKS.md session 12). Channels left
    /// after the 16-lane vectors go to ``fourInterior(_:imageInput:firstInputRow:kernelRows:flatRow:column:channels:_:_:)``
    /// twice. Each output sums its addend, then its taps in kernel-row-major, kernel-column order,
    /// then the bias, as there: the same bits.
    @inline(__always)
    static func eightFiveByFive<A: WideActivation, R: RowTaps>(_ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
                                                               flatRow: Int, column: Int, channels: Range<Int>,
                                                               _ activation: A.Type, _ taps: R.Type) {
        let rowStride = p.inputWidth * p.inputStride, step = p.inputStride
        let outputPixel = flatRow * p.outputWidth + column
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let firstPixel = imageInput + firstInputRow * rowStride + (column - p.padLeft) * step
        var channel = channels.lowerBound
        while channel + 16 <= channels.upperBound {
            var low = FourSums<Wide>(addend: addend, stride: p.addendStride, channel: channel)
            var high = FourSums<Wide>(addend: addend.map { $0 + 4 * p.addendStride }, stride: p.addendStride, channel: channel)
            for kernelRow in 0..<5 {
                let row = firstPixel + kernelRow * rowStride + channel
                let tap = p.weights + kernelRow * 5 * p.channels + channel
                for kernelColumn in 0..<5 {
                    let weight = loadWide(tap + kernelColumn * p.channels)
                    let x = row + kernelColumn * step
                    low.s0 = low.s0.addingProduct(weight, loadWide(x))
                    low.s1 = low.s1.addingProduct(weight, loadWide(x + step))
                    low.s2 = low.s2.addingProduct(weight, loadWide(x + 2 * step))
                    low.s3 = low.s3.addingProduct(weight, loadWide(x + 3 * step))
                    high.s0 = high.s0.addingProduct(weight, loadWide(x + 4 * step))
                    high.s1 = high.s1.addingProduct(weight, loadWide(x + 5 * step))
                    high.s2 = high.s2.addingProduct(weight, loadWide(x + 6 * step))
                    high.s3 = high.s3.addingProduct(weight, loadWide(x + 7 * step))
                }
            }
            low.store(to: target + channel, stride: p.outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
            high.store(to: target + 4 * p.outputStride + channel, stride: p.outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
            channel += 16
        }
        if channel < channels.upperBound {
            fourInterior(p, imageInput: imageInput, firstInputRow: firstInputRow, kernelRows: 0..<5, flatRow: flatRow,
                         column: column, channels: channel..<channels.upperBound, A.self, R.self)
            fourInterior(p, imageInput: imageInput, firstInputRow: firstInputRow, kernelRows: 0..<5, flatRow: flatRow,
                         column: column + 4, channels: channel..<channels.upperBound, A.self, R.self)
        }
    }

    /// Copies channels `channels` of image rows `firstInputRow ..< + inputRows` (columns
    /// `−padLeft ..< paddedWidth − padLeft`) into `slice` as `[inputRows, paddedWidth, channels.count]`,
    /// zeros where a row or column lies outside the image.
    static func fillPaddedSlice(_ p: DepthwiseProblem, slice: UnsafeMutablePointer<Float>, image: Int, firstInputRow: Int,
                                inputRows: Int, paddedWidth: Int, channels: Range<Int>) {
        let width = channels.count
        let imageInput = p.input + image * p.inputHeight * p.inputWidth * p.inputStride
        let firstColumn = min(paddedWidth, max(0, p.padLeft)), endColumn = max(firstColumn, min(paddedWidth, p.padLeft + p.inputWidth))
        for sliceRow in 0..<inputRows {
            let target = slice + sliceRow * paddedWidth * width
            let inputRow = firstInputRow + sliceRow
            guard inputRow >= 0 && inputRow < p.inputHeight else {
                target.update(repeating: 0, count: paddedWidth * width)
                continue
            }
            target.update(repeating: 0, count: firstColumn * width)
            let source = imageInput + (inputRow - p.inputRowOrigin) * p.inputWidth * p.inputStride + channels.lowerBound
            for column in firstColumn..<endColumn {
                let from = source + (column - p.padLeft) * p.inputStride, to = target + column * width
                var channel = 0
                while channel + 16 <= width {
                    storeWide(loadWide(from + channel), to: to + channel)
                    channel += 16
                }
                while channel < width {
                    to[channel] = from[channel]
                    channel += 1
                }
            }
            (target + endColumn * width).update(repeating: 0, count: (paddedWidth - endColumn) * width)
        }
    }

    /// Where the block of channels that starts at `start` ends: 32 channels at a time while at
    /// least 64 remain, then the rest (32 … 63 channels; all of them when there are fewer than 64).
    @inline(__always)
    static func channelBlockEnd(_ p: DepthwiseProblem, start: Int) -> Int {
        p.channels - start >= 64 ? start + 32 : p.channels
    }

    /// One output pixel with its taps clipped to the image: `kernelRows × kernelColumns`.
    struct PixelTaps {
        var p: DepthwiseProblem
        var imageInput: UnsafePointer<Float>
        var firstInputRow: Int, kernelRows: Range<Int>
        var firstInputColumn: Int, kernelColumns: Range<Int>
        var outputPixel: Int

        /// The sum of channels `channel ..< channel + V.scalarCount`, starting from the addend (or 0).
        @inline(__always)
        func sum<V: SIMD>(_ type: V.Type, channel: Int) -> V where V.Scalar == Float {
            var sum = p.addend.map { loadLanes(V.self, $0 + outputPixel * p.addendStride + channel) } ?? V(repeating: 0)
            let rowStride = p.inputWidth * p.inputStride
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in kernelColumns {
                    sum = sum.addingProduct(loadLanes(V.self, taps + kernelColumn * p.channels),
                                            loadLanes(V.self, inputRow + (firstInputColumn + kernelColumn * p.dilation) * p.inputStride))
                }
            }
            return sum
        }

        /// Channel `channel` alone.
        @inline(__always)
        func scalarSum(channel: Int) -> Float {
            var sum: Float = p.addend.map { $0[outputPixel * p.addendStride + channel] } ?? 0
            let rowStride = p.inputWidth * p.inputStride
            for kernelRow in kernelRows {
                let inputRow = imageInput + (firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in kernelColumns {
                    sum += taps[kernelColumn * p.channels] * inputRow[(firstInputColumn + kernelColumn * p.dilation) * p.inputStride]
                }
            }
            return sum
        }
    }

    /// A border pixel's `channels`: 64 a step as four independent chains, then 16, 8, one at a time.
    @inline(__always)
    static func borderPixel<A: WideActivation>(_ pixel: PixelTaps, channels: Range<Int>, _ activation: A.Type) {
        let p = pixel.p
        let target = p.output + pixel.outputPixel * p.outputStride
        let addend = p.addend.map { $0 + pixel.outputPixel * p.addendStride }
        let rowStride = p.inputWidth * p.inputStride
        var channel = channels.lowerBound
        while channel + 64 <= channels.upperBound {
            var sums = FourSums<Wide>(addend: addend, stride: 16, channel: channel)
            for kernelRow in pixel.kernelRows {
                let inputRow = pixel.imageInput + (pixel.firstInputRow + kernelRow * p.dilation) * rowStride + channel
                let taps = p.weights + kernelRow * p.kernelSize * p.channels + channel
                for kernelColumn in pixel.kernelColumns {
                    let weight = taps + kernelColumn * p.channels
                    let input = inputRow + (pixel.firstInputColumn + kernelColumn * p.dilation) * p.inputStride
                    sums.s0 = sums.s0.addingProduct(loadWide(weight), loadWide(input))
                    sums.s1 = sums.s1.addingProduct(loadWide(weight + 16), loadWide(input + 16))
                    sums.s2 = sums.s2.addingProduct(loadWide(weight + 32), loadWide(input + 32))
                    sums.s3 = sums.s3.addingProduct(loadWide(weight + 48), loadWide(input + 48))
                }
            }
            sums.store(to: target + channel, stride: 16, bias: p.bias, slopes: p.slopes, channel: channel, channelStep: 16, A.self)
            channel += 64
        }
        while channel + 16 <= channels.upperBound {
            let sum = pixel.sum(Wide.self, channel: channel)
            storeWide(A.apply(sum + loadWide(p.bias + channel), slopes: p.slopes, channel: channel), to: target + channel)
            channel += 16
        }
        if channel + 8 <= channels.upperBound {
            let sum = pixel.sum(Narrow.self, channel: channel)
            storeNarrow(A.apply(sum + loadNarrow(p.bias + channel), slopes: p.slopes, channel: channel), to: target + channel)
            channel += 8
        }
        while channel < channels.upperBound {
            target[channel] = A.apply(pixel.scalarSum(channel: channel) + p.bias[channel], slopes: p.slopes, channel: channel)
            channel += 1
        }
    }

    /// Four adjacent interior output pixels, their `channels`: 32 a step (two 16-lane vectors ×
    /// four pixels, eight FMA chains), then 16 (four chains), then 8, then the last ones one at a time.
    @inline(__always)
    static func fourInterior<A: WideActivation, R: RowTaps>(
        _ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
        kernelRows: Range<Int>, flatRow: Int, column: Int, channels: Range<Int>, _ activation: A.Type, _ taps: R.Type
    ) {
        let rowStride = p.inputWidth * p.inputStride
        let firstInputColumn = column * p.stride - p.padLeft
        let outputPixel = flatRow * p.outputWidth + column
        let target = p.output + outputPixel * p.outputStride
        let addend = p.addend.map { $0 + outputPixel * p.addendStride }
        let outputStride = p.outputStride, addendStride = p.addendStride
        let firstPixel = imageInput + firstInputRow * rowStride + firstInputColumn * p.inputStride
        var channel = channels.lowerBound
        while channel + 32 <= channels.upperBound {
            var low = FourSums<Wide>(addend: addend, stride: addendStride, channel: channel)
            var high = FourSums<Wide>(addend: addend, stride: addendStride, channel: channel + 16)
            for kernelRow in kernelRows {
                let pixel = firstPixel + kernelRow * p.dilation * rowStride + channel
                let tap = p.weights + kernelRow * p.kernelSize * p.channels + channel
                R.accumulate(p, pixel: pixel, tap: tap, into: &low)
                R.accumulate(p, pixel: pixel + 16, tap: tap + 16, into: &high)
            }
            low.store(to: target + channel, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
            high.store(to: target + channel + 16, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel + 16, A.self)
            channel += 32
        }
        if channel + 16 <= channels.upperBound {
            var sums = FourSums<Wide>(addend: addend, stride: addendStride, channel: channel)
            for kernelRow in kernelRows {
                R.accumulate(p, pixel: firstPixel + kernelRow * p.dilation * rowStride + channel,
                             tap: p.weights + kernelRow * p.kernelSize * p.channels + channel, into: &sums)
            }
            sums.store(to: target + channel, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
            channel += 16
        }
        if channel + 8 <= channels.upperBound {
            var sums = FourSums<Narrow>(addend: addend, stride: addendStride, channel: channel)
            for kernelRow in kernelRows {
                R.accumulate(p, pixel: firstPixel + kernelRow * p.dilation * rowStride + channel,
                             tap: p.weights + kernelRow * p.kernelSize * p.channels + channel, into: &sums)
            }
            sums.store(to: target + channel, stride: outputStride, bias: p.bias, slopes: p.slopes, channel: channel, A.self)
            channel += 8
        }
        if channel < channels.upperBound {
            for offset in 0..<4 {
                // All column taps of an interior pixel are inside the image.
                let pixel = PixelTaps(p: p, imageInput: imageInput, firstInputRow: firstInputRow, kernelRows: kernelRows,
                                      firstInputColumn: firstInputColumn + offset * p.stride, kernelColumns: 0..<p.kernelSize,
                                      outputPixel: outputPixel + offset)
                let target = p.output + (outputPixel + offset) * p.outputStride
                for tail in channel..<channels.upperBound {
                    target[tail] = A.apply(pixel.scalarSum(channel: tail) + p.bias[tail], slopes: p.slopes, channel: tail)
                }
            }
        }
    }

    /// Four accumulators of one lane width: one channel vector at four adjacent output pixels
    /// (interior groups), or four consecutive channel vectors of one pixel (border pixels).
    struct FourSums<V: SIMD> where V.Scalar == Float {
        var s0: V, s1: V, s2: V, s3: V

        /// The addends at `addend + channel + i · stride`, or zeros.
        @inline(__always)
        init(addend: UnsafePointer<Float>?, stride: Int, channel: Int) {
            if let addend {
                s0 = loadLanes(V.self, addend + channel)
                s1 = loadLanes(V.self, addend + stride + channel)
                s2 = loadLanes(V.self, addend + 2 * stride + channel)
                s3 = loadLanes(V.self, addend + 3 * stride + channel)
            } else {
                s0 = V(repeating: 0)
                (s1, s2, s3) = (s0, s0, s0)
            }
        }

    }
}

extension AVX512Kernels.FourSums where V == AVX512Kernels.Wide {
    /// `activation(sum_i + bias)` to `target + i · stride`, sum `i` of channels
    /// `channel + i · channelStep ..< + 16` (`channelStep` 0: one channel vector at four pixels).
    @inline(__always)
    func store<A: WideActivation>(to target: UnsafeMutablePointer<Float>, stride: Int, bias: UnsafePointer<Float>,
                                  slopes: UnsafePointer<Float>?, channel: Int, channelStep: Int = 0, _ activation: A.Type) {
        @inline(__always) func finish(_ sum: V, _ i: Int) {
            let channel = channel + i * channelStep
            AVX512Kernels.storeWide(A.apply(sum + AVX512Kernels.loadWide(bias + channel), slopes: slopes, channel: channel), to: target + i * stride)
        }
        finish(s0, 0)
        finish(s1, 1)
        finish(s2, 2)
        finish(s3, 3)
    }
}

extension AVX512Kernels.FourSums where V == AVX512Kernels.Narrow {
    /// The 8-lane ``store(to:stride:bias:slopes:channel:channelStep:_:)``.
    @inline(__always)
    func store<A: WideActivation>(to target: UnsafeMutablePointer<Float>, stride: Int, bias: UnsafePointer<Float>,
                                  slopes: UnsafePointer<Float>?, channel: Int, channelStep: Int = 0, _ activation: A.Type) {
        @inline(__always) func finish(_ sum: V, _ i: Int) {
            let channel = channel + i * channelStep
            AVX512Kernels.storeNarrow(A.apply(sum + AVX512Kernels.loadNarrow(bias + channel), slopes: slopes, channel: channel), to: target + i * stride)
        }
        finish(s0, 0)
        finish(s1, 1)
        finish(s2, 2)
        finish(s3, 3)
    }
}

/// One kernel row's taps, in kernel-column order, added to four adjacent outputs' sums for one
/// channel vector (8 or 16 lanes): `pixel` is the first output's first tap, `tap` the row's first
/// weight — the tap patterns of the AVX2 kernel, each input vector loaded once for every output
/// that reads it.
/// Each pattern is written once for both lane widths, as a generic `add` that its two concrete
/// requirements call (a generic protocol requirement would not be specialised).
protocol RowTaps {
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Wide>)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Narrow>)
}

/// 3 taps, stride = dilation.
enum ThreeTapsAtStrideOne: RowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Wide>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Narrow>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func add<V: SIMD>(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                             into sums: inout AVX512Kernels.FourSums<V>) where V.Scalar == Float {
        let tapStep = p.dilation * p.inputStride
        let w0 = loadLanes(V.self, tap), w1 = loadLanes(V.self, tap + p.channels), w2 = loadLanes(V.self, tap + 2 * p.channels)
        let x0 = loadLanes(V.self, pixel), x1 = loadLanes(V.self, pixel + tapStep), x2 = loadLanes(V.self, pixel + 2 * tapStep)
        let x3 = loadLanes(V.self, pixel + 3 * tapStep), x4 = loadLanes(V.self, pixel + 4 * tapStep)
        let x5 = loadLanes(V.self, pixel + 5 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2)
        sums.s1 = sums.s1.addingProduct(w0, x1).addingProduct(w1, x2).addingProduct(w2, x3)
        sums.s2 = sums.s2.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4)
        sums.s3 = sums.s3.addingProduct(w0, x3).addingProduct(w1, x4).addingProduct(w2, x5)
    }
}

/// 3 taps at stride 2 · dilation.
enum ThreeTapsAtStrideTwo: RowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Wide>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Narrow>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func add<V: SIMD>(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                             into sums: inout AVX512Kernels.FourSums<V>) where V.Scalar == Float {
        let tapStep = p.dilation * p.inputStride
        let w0 = loadLanes(V.self, tap), w1 = loadLanes(V.self, tap + p.channels), w2 = loadLanes(V.self, tap + 2 * p.channels)
        let x0 = loadLanes(V.self, pixel), x1 = loadLanes(V.self, pixel + tapStep), x2 = loadLanes(V.self, pixel + 2 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2)
        let x3 = loadLanes(V.self, pixel + 3 * tapStep), x4 = loadLanes(V.self, pixel + 4 * tapStep)
        sums.s1 = sums.s1.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4)
        let x5 = loadLanes(V.self, pixel + 5 * tapStep), x6 = loadLanes(V.self, pixel + 6 * tapStep)
        sums.s2 = sums.s2.addingProduct(w0, x4).addingProduct(w1, x5).addingProduct(w2, x6)
        let x7 = loadLanes(V.self, pixel + 7 * tapStep), x8 = loadLanes(V.self, pixel + 8 * tapStep)
        sums.s3 = sums.s3.addingProduct(w0, x6).addingProduct(w1, x7).addingProduct(w2, x8)
    }
}

/// 5 taps, stride = dilation.
enum FiveTapsAtStrideOne: RowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Wide>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Narrow>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func add<V: SIMD>(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                             into sums: inout AVX512Kernels.FourSums<V>) where V.Scalar == Float {
        let tapStep = p.dilation * p.inputStride
        let w0 = loadLanes(V.self, tap), w1 = loadLanes(V.self, tap + p.channels), w2 = loadLanes(V.self, tap + 2 * p.channels)
        let w3 = loadLanes(V.self, tap + 3 * p.channels), w4 = loadLanes(V.self, tap + 4 * p.channels)
        let x0 = loadLanes(V.self, pixel), x1 = loadLanes(V.self, pixel + tapStep), x2 = loadLanes(V.self, pixel + 2 * tapStep)
        let x3 = loadLanes(V.self, pixel + 3 * tapStep), x4 = loadLanes(V.self, pixel + 4 * tapStep)
        let x5 = loadLanes(V.self, pixel + 5 * tapStep), x6 = loadLanes(V.self, pixel + 6 * tapStep)
        let x7 = loadLanes(V.self, pixel + 7 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2).addingProduct(w3, x3).addingProduct(w4, x4)
        sums.s1 = sums.s1.addingProduct(w0, x1).addingProduct(w1, x2).addingProduct(w2, x3).addingProduct(w3, x4).addingProduct(w4, x5)
        sums.s2 = sums.s2.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4).addingProduct(w3, x5).addingProduct(w4, x6)
        sums.s3 = sums.s3.addingProduct(w0, x3).addingProduct(w1, x4).addingProduct(w2, x5).addingProduct(w3, x6).addingProduct(w4, x7)
    }
}

/// 5 taps at stride 2 · dilation.
enum FiveTapsAtStrideTwo: RowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Wide>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Narrow>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func add<V: SIMD>(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                             into sums: inout AVX512Kernels.FourSums<V>) where V.Scalar == Float {
        let tapStep = p.dilation * p.inputStride
        let w0 = loadLanes(V.self, tap), w1 = loadLanes(V.self, tap + p.channels), w2 = loadLanes(V.self, tap + 2 * p.channels)
        let w3 = loadLanes(V.self, tap + 3 * p.channels), w4 = loadLanes(V.self, tap + 4 * p.channels)
        let x0 = loadLanes(V.self, pixel), x1 = loadLanes(V.self, pixel + tapStep), x2 = loadLanes(V.self, pixel + 2 * tapStep)
        let x3 = loadLanes(V.self, pixel + 3 * tapStep), x4 = loadLanes(V.self, pixel + 4 * tapStep)
        sums.s0 = sums.s0.addingProduct(w0, x0).addingProduct(w1, x1).addingProduct(w2, x2).addingProduct(w3, x3).addingProduct(w4, x4)
        let x5 = loadLanes(V.self, pixel + 5 * tapStep), x6 = loadLanes(V.self, pixel + 6 * tapStep)
        sums.s1 = sums.s1.addingProduct(w0, x2).addingProduct(w1, x3).addingProduct(w2, x4).addingProduct(w3, x5).addingProduct(w4, x6)
        let x7 = loadLanes(V.self, pixel + 7 * tapStep), x8 = loadLanes(V.self, pixel + 8 * tapStep)
        sums.s2 = sums.s2.addingProduct(w0, x4).addingProduct(w1, x5).addingProduct(w2, x6).addingProduct(w3, x7).addingProduct(w4, x8)
        let x9 = loadLanes(V.self, pixel + 9 * tapStep), x10 = loadLanes(V.self, pixel + 10 * tapStep)
        sums.s3 = sums.s3.addingProduct(w0, x6).addingProduct(w1, x7).addingProduct(w2, x8).addingProduct(w3, x9).addingProduct(w4, x10)
    }
}

/// Any kernel size, stride and dilation: each tap's weight loaded once for the four outputs.
enum AnyTaps: RowTaps {
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Wide>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func accumulate(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                           into sums: inout AVX512Kernels.FourSums<AVX512Kernels.Narrow>) { add(p, pixel: pixel, tap: tap, into: &sums) }
    @inline(__always)
    static func add<V: SIMD>(_ p: DepthwiseProblem, pixel: UnsafePointer<Float>, tap: UnsafePointer<Float>,
                             into sums: inout AVX512Kernels.FourSums<V>) where V.Scalar == Float {
        let pixelStep = p.stride * p.inputStride, tapStep = p.dilation * p.inputStride
        var pixel = pixel, tap = tap
        for _ in 0..<p.kernelSize {
            let weight = loadLanes(V.self, tap)
            sums.s0 = sums.s0.addingProduct(weight, loadLanes(V.self, pixel))
            sums.s1 = sums.s1.addingProduct(weight, loadLanes(V.self, pixel + pixelStep))
            sums.s2 = sums.s2.addingProduct(weight, loadLanes(V.self, pixel + 2 * pixelStep))
            sums.s3 = sums.s3.addingProduct(weight, loadLanes(V.self, pixel + 3 * pixelStep))
            tap += p.channels
            pixel += tapStep
        }
    }
}

extension AVX512Kernels.PixelTaps {
    /// Output column `column` of output row `outputRow` (of the output slice), its kernel
    /// columns clipped to the image; `firstInputRow` is the row's first tap row as stored.
    @inline(__always)
    init(clippedAt column: Int, _ p: DepthwiseProblem, imageInput: UnsafePointer<Float>, firstInputRow: Int,
         kernelRows: Range<Int>, outputRow: Int) {
        let firstInputColumn = column * p.stride - p.padLeft
        self.init(p: p, imageInput: imageInput, firstInputRow: firstInputRow, kernelRows: kernelRows,
                  firstInputColumn: firstInputColumn,
                  kernelColumns: max(0, (-firstInputColumn + p.dilation - 1) / p.dilation)
                      ..< max(0, min(p.kernelSize, (p.inputWidth - firstInputColumn + p.dilation - 1) / p.dilation)),
                  outputPixel: outputRow * p.outputWidth + column)
    }
}
