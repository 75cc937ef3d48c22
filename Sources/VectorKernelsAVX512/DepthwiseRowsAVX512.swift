import Glibc
import VectorKernelsAVX2

/// The stride of a row kernel as a type, so each stride gets its own specialised loop; `ThreeTaps`
/// is the plain path's tap pattern for the same stride.
protocol DepthwiseStride {
    associatedtype ThreeTaps: RowTaps
    static var value: Int { get }
}

enum DepthwiseStrideOne: DepthwiseStride {
    typealias ThreeTaps = ThreeTapsAtStrideOne
    @inline(__always) static var value: Int { 1 }
}

enum DepthwiseStrideTwo: DepthwiseStride {
    typealias ThreeTaps = ThreeTapsAtStrideTwo
    @inline(__always) static var value: Int { 2 }
}

/// A 3 × 3 window (dilation 1) at stride `S` whose nine weight vectors of one lane vector of
/// channels stay in registers along an output row (``AVX512Kernels/depthwiseRows(_:rows:_:_:)``).
enum ThreeByThreeWindow<S: DepthwiseStride> {
    /// Nine weight vectors in registers; four output vectors a step (four FMA chains), then one at
    /// a time. Every address is the step's input pointer plus constant multiples of the pixel and
    /// row steps.
    @inline(__always)
    static func run<V: SIMD, A: WideActivation>(_ p: DepthwiseProblem, rows: UnsafePointer<Float>, rowStride: Int, pixelStride step: Int,
                             firstOutput: Int, count: Int, channel: Int, _ lanes: V.Type, _ activation: A.Type) where V.Scalar == Float {
        let c = p.channels, taps = p.weights + channel, columnStep = S.value * step
        let w00 = loadLanes(V.self, taps), w01 = loadLanes(V.self, taps + c), w02 = loadLanes(V.self, taps + 2 * c)
        let w10 = loadLanes(V.self, taps + 3 * c), w11 = loadLanes(V.self, taps + 4 * c), w12 = loadLanes(V.self, taps + 5 * c)
        let w20 = loadLanes(V.self, taps + 6 * c), w21 = loadLanes(V.self, taps + 7 * c), w22 = loadLanes(V.self, taps + 8 * c)
        let bias = loadLanes(V.self, p.bias + channel)
        var input = rows
        var target = p.output + firstOutput * p.outputStride + channel
        var addend = p.addend.map { $0 + firstOutput * p.addendStride + channel }
        /// Kernel row `row` (three taps in column order) added to the sum of the output whose
        /// first tap is `first`.
        @inline(__always) func add(_ sum: V, _ first: UnsafePointer<Float>, _ w0: V, _ w1: V, _ w2: V) -> V {
            sum.addingProduct(w0, loadLanes(V.self, first)).addingProduct(w1, loadLanes(V.self, first + step))
                .addingProduct(w2, loadLanes(V.self, first + 2 * step))
        }
        @inline(__always) func start(_ addend: UnsafePointer<Float>?, _ offset: Int) -> V {
            addend.map { loadLanes(V.self, $0 + offset * p.addendStride) } ?? V(repeating: 0)
        }
        // Four outputs a step (four independent chains); the loads they share are the same addresses.
        var remaining = count
        while remaining >= 4 {
            var s0 = start(addend, 0), s1 = start(addend, 1), s2 = start(addend, 2), s3 = start(addend, 3)
            s0 = add(s0, input, w00, w01, w02)
            s1 = add(s1, input + columnStep, w00, w01, w02)
            s2 = add(s2, input + 2 * columnStep, w00, w01, w02)
            s3 = add(s3, input + 3 * columnStep, w00, w01, w02)
            let middle = input + rowStride, bottom = input + 2 * rowStride
            s0 = add(s0, middle, w10, w11, w12)
            s1 = add(s1, middle + columnStep, w10, w11, w12)
            s2 = add(s2, middle + 2 * columnStep, w10, w11, w12)
            s3 = add(s3, middle + 3 * columnStep, w10, w11, w12)
            s0 = add(s0, bottom, w20, w21, w22)
            s1 = add(s1, bottom + columnStep, w20, w21, w22)
            s2 = add(s2, bottom + 2 * columnStep, w20, w21, w22)
            s3 = add(s3, bottom + 3 * columnStep, w20, w21, w22)
            storeLanes(activateLanes(s0 + bias, channel, p.slopes, A.self), to: target)
            storeLanes(activateLanes(s1 + bias, channel, p.slopes, A.self), to: target + p.outputStride)
            storeLanes(activateLanes(s2 + bias, channel, p.slopes, A.self), to: target + 2 * p.outputStride)
            storeLanes(activateLanes(s3 + bias, channel, p.slopes, A.self), to: target + 3 * p.outputStride)
            input += 4 * columnStep
            target += 4 * p.outputStride
            addend = addend.map { $0 + 4 * p.addendStride }
            remaining -= 4
        }
        while remaining > 0 {
            var sum = start(addend, 0)
            sum = add(sum, input, w00, w01, w02)
            sum = add(sum, input + rowStride, w10, w11, w12)
            sum = add(sum, input + 2 * rowStride, w20, w21, w22)
            storeLanes(activateLanes(sum + bias, channel, p.slopes, A.self), to: target)
            input += columnStep
            target += p.outputStride
            addend = addend.map { $0 + p.addendStride }
            remaining -= 1
        }
    }
}

extension AVX512Kernels {
    /// False when `HATNET_PLAIN_DEPTHWISE` is set: 3 × 3 layers then take the plain path (to
    /// measure the row kernel).
    static let depthwiseRowsEnabled = getenv("HATNET_PLAIN_DEPTHWISE") == nil

    /// 3 × 3 depthwise convolutions at stride 1 or 2, dilation 1 (every depthwise layer of
    /// MobileNetV2, most of MnasNet's and EfficientNet-Lite0's). The interior pixels of the rows
    /// whose three kernel rows lie in the image go through
    /// ``ThreeByThreeWindow/run(_:rows:rowStride:pixelStride:firstOutput:count:channel:_:_:)`` one
    /// lane vector of channels (16, then 8) at a time over all of `rows`, each row's interior in one
    /// run with the nine weight vectors in registers: every input cache line holds one vector's
    /// channels, so a vector's pass reads its lines once (the three kernel rows it slides over stay
    /// in L1) and the hardware prefetcher follows the fixed stride. Chunks of columns with all their
    /// channels in L1 (session 11) set up the weights for every 2–9 pixels: 64² × 144 ran at
    /// 19–30 % of the FMA peak that way and 47–57 % in this order, 1.2–2× faster on the 32² … 128²
    /// maps, 0.83–0.95× on 8² ones (`hatnet bench encoders --layer-profile`, BENCHMARKS.md
    /// session 12). The border pixels, the rows clipped by the padding and the last
    /// `channels % 8` channels take the plain path. Every output's sum is formed in the same order
    /// as there (addend, taps in kernel-row-major, kernel-column order, bias, activation), so the
    /// results are the same bits.
    static func depthwiseRows<A: WideActivation, S: DepthwiseStride>(_ p: DepthwiseProblem, rows: Range<Int>,
                                                                     _ activation: A.Type, _ stride: S.Type) {
        precondition(p.kernelSize == 3 && p.stride == S.value && p.dilation == 1, "depthwiseRows: not a 3 × 3 problem at stride \(S.value)")
        let s = S.value, k = 3
        let interior = interiorColumns(p)
        let (interiorStart, interiorEnd) = (interior.lowerBound, interior.upperBound)
        let vectorChannels = p.channels - p.channels % 8
        let rowStride = p.inputWidth * p.inputStride
        if interiorStart < interiorEnd {
            var channel = 0
            while channel + 8 <= vectorChannels {
                let wide = channel + 16 <= vectorChannels
                for flatRow in rows {
                    guard let window = unclippedWindow(p, flatRow: flatRow, S.self) else { continue }
                    let first = window.imageInput + (window.firstInputRow - p.inputRowOrigin) * rowStride
                        + (interiorStart * s - p.padLeft) * p.inputStride + channel
                    let firstOutput = (flatRow - p.outputRowOrigin) * p.outputWidth + interiorStart
                    if wide {
                        ThreeByThreeWindow<S>.run(p, rows: first, rowStride: rowStride, pixelStride: p.inputStride, firstOutput: firstOutput,
                                                  count: interiorEnd - interiorStart, channel: channel, Wide.self, A.self)
                    } else {
                        ThreeByThreeWindow<S>.run(p, rows: first, rowStride: rowStride, pixelStride: p.inputStride, firstOutput: firstOutput,
                                                  count: interiorEnd - interiorStart, channel: channel, Narrow.self, A.self)
                    }
                }
                channel += wide ? 16 : 8
            }
        }
        for flatRow in rows {
            guard interiorStart < interiorEnd, let window = unclippedWindow(p, flatRow: flatRow, S.self) else {
                plainRows(p, rows: flatRow..<(flatRow + 1), channels: 0..<p.channels, A.self, S.ThreeTaps.self)
                continue
            }
            let outputRow = flatRow - p.outputRowOrigin
            // The border columns: 0 ..< interiorStart, then interiorEnd ..< outputWidth.
            for index in 0..<(interiorStart + p.outputWidth - interiorEnd) {
                let column = index < interiorStart ? index : interiorEnd + index - interiorStart
                borderPixel(PixelTaps(clippedAt: column, p, imageInput: window.imageInput,
                                      firstInputRow: window.firstInputRow - p.inputRowOrigin,
                                      kernelRows: 0..<k, outputRow: outputRow), channels: 0..<vectorChannels, A.self)
            }
            if vectorChannels < p.channels {
                plainRows(p, rows: flatRow..<(flatRow + 1), channels: vectorChannels..<p.channels, A.self, S.ThreeTaps.self)
            }
        }
    }

    /// The image and first kernel row (in image rows) of flat output row `flatRow` (image-major),
    /// or nil when the padding clips one of its three kernel rows.
    @inline(__always)
    static func unclippedWindow<S: DepthwiseStride>(_ p: DepthwiseProblem, flatRow: Int, _ stride: S.Type)
        -> (imageInput: UnsafePointer<Float>, firstInputRow: Int)? {
        let image = flatRow / p.outputHeight, row = flatRow % p.outputHeight
        let firstInputRow = row * S.value - p.padTop
        guard firstInputRow >= 0 && firstInputRow + 2 < p.inputHeight else { return nil }
        return (p.input + image * p.inputHeight * p.inputWidth * p.inputStride, firstInputRow)
    }
}

/// `A` on 16 or 8 lanes from code generic over the lane type: after specialisation the type test
/// is a constant and the casts are free.
@inline(__always)
func activateLanes<V: SIMD, A: WideActivation>(_ x: V, _ channel: Int, _ slopes: UnsafePointer<Float>?, _ activation: A.Type) -> V
    where V.Scalar == Float {
    if V.self == SIMD16<Float>.self {
        return unsafeBitCast(A.apply(unsafeBitCast(x, to: SIMD16<Float>.self), slopes: slopes, channel: channel), to: V.self)
    }
    precondition(V.self == SIMD8<Float>.self, "activateLanes: 8 or 16 lanes")
    return unsafeBitCast(A.apply(unsafeBitCast(x, to: SIMD8<Float>.self), slopes: slopes, channel: channel), to: V.self)
}
