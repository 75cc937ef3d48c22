import Testing
@testable import TensorKit
import VectorKernelsAVX2
import VectorKernelsAVX512

/// The AVX-512 kernels against their AVX2 twins, bit for bit: both sum each output in the same
/// order, so any difference is a bug (a wrong panel, lane, row or epilogue step), not rounding.
/// Only on CPUs with AVX512F; elsewhere the suite is listed as disabled.
@Suite(.enabled(if: CPUFeatures.hasAVX512F, "needs a CPU with AVX512F"))
struct AVX512KernelTwinTests {
    struct PointwiseCase: CustomStringConvertible {
        var rows: Int, inputChannels: Int, outputChannels: Int
        /// Extra floats between rows: the input, output and addend are channel slices of wider maps.
        var padding: Int
        var activation: KernelActivation
        var addend: AddendKind
        var description: String {
            "M\(rows) K\(inputChannels) N\(outputChannels) pad\(padding) \(activation) \(addend)"
        }
    }

    enum AddendKind: CaseIterable { case none, separate, inPlace }

    /// Row counts around the 8-row tiles (and the AVX2 kernel's 6), columns around every panel
    /// width (8, 16, 24, pairs of 16) and the partial lanes, depths 1 … 70, every activation.
    static let pointwiseCases: [PointwiseCase] = {
        var cases: [PointwiseCase] = []
        let activations: [KernelActivation] = [.identity, .relu, .relu6, .prelu]
        for rows in [1, 5, 8, 9, 17] {
            for outputs in [1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 48, 56, 100] {
                for (index, activation) in activations.enumerated() {
                    cases.append(PointwiseCase(rows: rows, inputChannels: [1, 13, 70][(rows + outputs + index) % 3], outputChannels: outputs,
                                               padding: (rows + index) % 2 == 0 ? 0 : 3, activation: activation,
                                               addend: AddendKind.allCases[(outputs + index) % 3]))
                }
            }
        }
        // A block of many rows (the kernels cut rows into blocks of ≈ 128 KB of input).
        cases.append(PointwiseCase(rows: 300, inputChannels: 160, outputChannels: 72, padding: 0, activation: .relu6, addend: .separate))
        cases.append(PointwiseCase(rows: 2401, inputChannels: 24, outputChannels: 144, padding: 5, activation: .identity, addend: .inPlace))
        return cases
    }()

    @Test(arguments: pointwiseCases)
    func pointwiseConvolutionMatchesAVX2BitForBit(_ testCase: PointwiseCase) {
        var generator = SeededGenerator(seed: UInt64(testCase.rows * 1_000_003 + testCase.outputChannels * 101 + testCase.inputChannels))
        func values(_ count: Int, _ range: ClosedRange<Float> = -2...2) -> [Float] {
            (0..<count).map { _ in Float.random(in: range, using: &generator) }
        }
        let (m, k, n) = (testCase.rows, testCase.inputChannels, testCase.outputChannels)
        let inputStride = k + testCase.padding, outputStride = n + testCase.padding
        let widths = AVX2Kernels.panelWidths(outputChannels: n)
        let padded = widths.reduce(0, +)
        let input = values(m * inputStride), panels = values(padded * k), bias = values(padded), slopes = values(padded, 0...0.5)
        let addend = values(m * outputStride)
        // Floats past N in each row are a sentinel no kernel may touch.
        let initial = testCase.addend == .inPlace ? addend : [Float](repeating: .nan, count: m * outputStride)
        var avx2 = initial, avx512 = initial

        func run(_ output: inout [Float], _ kernel: (PointwiseProblem, Range<Int>) -> Void) {
            input.withUnsafeBufferPointer { input in
                panels.withUnsafeBufferPointer { panels in
                    bias.withUnsafeBufferPointer { bias in
                        slopes.withUnsafeBufferPointer { slopes in
                            addend.withUnsafeBufferPointer { separate in
                                output.withUnsafeMutableBufferPointer { output in
                                    let addendPointer: UnsafePointer<Float>? = switch testCase.addend {
                                    case .none: nil
                                    case .separate: separate.baseAddress!
                                    case .inPlace: UnsafePointer(output.baseAddress!)
                                    }
                                    let problem = PointwiseProblem(
                                        input: input.baseAddress!, inputStride: inputStride, inputChannels: k, panels: panels.baseAddress!,
                                        bias: bias.baseAddress!, slopes: testCase.activation == .prelu ? slopes.baseAddress! : nil,
                                        output: output.baseAddress!, outputStride: outputStride, outputChannels: n,
                                        addend: addendPointer, addendStride: outputStride, activation: testCase.activation)
                                    // Two row ranges, so that a range not starting at a tile boundary is covered.
                                    let split = m / 3
                                    kernel(problem, 0..<split)
                                    kernel(problem, split..<m)
                                }
                            }
                        }
                    }
                }
            }
        }
        run(&avx2) { AVX2Kernels.pointwiseConvolution($0, rows: $1) }
        run(&avx512) { AVX512Kernels.pointwiseConvolution($0, rows: $1) }

        let mismatches = zip(avx2, avx512).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(mismatches.isEmpty, "\(testCase): \(mismatches.count) values differ, first at \(mismatches.first.map { ($0.offset / outputStride, $0.offset % outputStride) }.map { "row \($0.0) column \($0.1)" } ?? "")")
        if testCase.addend != .inPlace {
            let touched = (0..<m).flatMap { row in (n..<outputStride).map { row * outputStride + $0 } }.filter { !avx512[$0].isNaN }
            #expect(touched.isEmpty, "\(testCase): the AVX-512 kernel wrote \(touched.count) floats past column N")
        }
        // The sums are real: outputs differ from the sentinel and are finite.
        #expect((0..<m).allSatisfy { row in (0..<n).allSatisfy { avx512[row * outputStride + $0].isFinite } })
    }

    struct StemCase: CustomStringConvertible, Sendable {
        var batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
        var geometry: ConvolutionGeometry
        /// Extra input channels around the convolved slice (a pixel stride wider than the channels).
        var sliceOffset: Int
        var description: String {
            "\(batch)×\(inputChannels)×\(height)×\(width) → \(outputChannels), k\(geometry.kernelSize) s\(geometry.stride) \(geometry.padding) slice \(sliceOffset)"
        }
    }

    /// Stems (MobileNetV2/MnasNet/EfficientNet-Lite 3 → 32, 3 × 3 / 2; ResNet 3 → 64, 7 × 7 / 2), odd
    /// sizes, TensorFlow-style uneven padding, 16 and 48 outputs (a last single panel), a channel slice.
    static let stemCases: [StemCase] = [
        StemCase(batch: 1, inputChannels: 3, outputChannels: 32, height: 64, width: 64,
                 geometry: .init(kernelSize: 3, stride: 2, padding: .symmetric(1)), sliceOffset: 0),
        StemCase(batch: 2, inputChannels: 3, outputChannels: 32, height: 19, width: 23,
                 geometry: .init(kernelSize: 3, stride: 2, padding: Padding(top: 0, left: 0, bottom: 1, right: 1)), sliceOffset: 0),
        StemCase(batch: 1, inputChannels: 3, outputChannels: 64, height: 37, width: 30,
                 geometry: .init(kernelSize: 7, stride: 2, padding: .symmetric(3)), sliceOffset: 0),
        StemCase(batch: 1, inputChannels: 4, outputChannels: 48, height: 9, width: 13,
                 geometry: .init(kernelSize: 5, stride: 1, padding: .symmetric(2)), sliceOffset: 2),
        StemCase(batch: 1, inputChannels: 1, outputChannels: 16, height: 5, width: 3,
                 geometry: .init(kernelSize: 3, stride: 1, padding: .symmetric(2)), sliceOffset: 1),
    ]

    /// A stem on the AVX path reads its receptive fields in place (`windowConvolution`): bit for bit
    /// what im2col followed by the AVX2 GEMM gives, plain and accumulating into a residual.
    @Test(arguments: stemCases)
    func stemWindowRowsMatchIm2colBitForBit(_ testCase: StemCase) throws {
        let totalChannels = testCase.inputChannels + 2 * testCase.sliceOffset
        let input = FeatureMap(nchw: Self.random([testCase.batch, totalChannels, testCase.height, testCase.width], seed: 51))
        let kernel = testCase.geometry.kernelSize
        let weight = Self.random([testCase.outputChannels, testCase.inputChannels, kernel, kernel], seed: 52)
        let (outputHeight, outputWidth) = (testCase.geometry.outputHeight(inputHeight: testCase.height),
                                           testCase.geometry.outputWidth(inputWidth: testCase.width))
        for activation in [Activation.identity, .relu6, .prelu(slopes: Self.random([testCase.outputChannels], seed: 53, low: 0, high: 0.5).scalars)] {
            let layer = Conv2d(weight: weight, bias: Self.random([testCase.outputChannels], seed: 54).scalars,
                               geometry: testCase.geometry, activation: activation)
            try #require(layer.usesWindowRows(inputPerGroup: testCase.inputChannels, outputPerGroup: testCase.outputChannels),
                         "\(testCase) does not take the window path")
            let residual = FeatureMap(nchw: Self.random([testCase.batch, testCase.outputChannels, outputHeight, outputWidth], seed: 55))
            for accumulate in [false, true] {
                var fast = accumulate ? residual
                    : FeatureMap(batchSize: testCase.batch, height: outputHeight, width: outputWidth, channels: testCase.outputChannels)
                layer.apply(input, inputChannelOffset: testCase.sliceOffset, into: &fast, mode: accumulate ? .accumulate : .overwrite, path: .avx2)
                var expected = accumulate ? residual.values.array : [Float](repeating: 0, count: fast.values.count)
                let filterSize = kernel * kernel * testCase.inputChannels
                let imagePixels = outputHeight * outputWidth
                var columns = [Float](repeating: 0, count: imagePixels * filterSize)
                for image in 0..<testCase.batch {
                    input.values.withUnsafeBufferPointer { source in
                        columns.withUnsafeMutableBufferPointer { columns in
                            GemmConvolutionKernels.im2col(
                                image: source.baseAddress! + image * testCase.height * testCase.width * totalChannels + testCase.sliceOffset,
                                pixelStride: totalChannels, height: testCase.height, width: testCase.width, channels: testCase.inputChannels,
                                geometry: testCase.geometry, outputHeight: outputHeight, outputWidth: outputWidth, columns: columns.baseAddress!)
                        }
                    }
                    columns.withUnsafeBufferPointer { columns in
                        layer.panels.withUnsafeBufferPointer { panels in
                            layer.paddedBias.withUnsafeBufferPointer { bias in
                                layer.paddedSlopes.withUnsafeBufferPointer { slopes in
                                    expected.withUnsafeMutableBufferPointer { output in
                                        let target = output.baseAddress! + image * imagePixels * testCase.outputChannels
                                        let problem = PointwiseProblem(
                                            input: columns.baseAddress!, inputStride: filterSize, inputChannels: filterSize,
                                            panels: panels.baseAddress!, bias: bias.baseAddress!, slopes: slopes.isEmpty ? nil : slopes.baseAddress!,
                                            output: target, outputStride: testCase.outputChannels, outputChannels: testCase.outputChannels,
                                            addend: accumulate ? UnsafePointer(target) : nil, addendStride: testCase.outputChannels,
                                            activation: activation.kind)
                                        AVX2Kernels.pointwiseConvolution(problem, rows: 0..<imagePixels)
                                    }
                                }
                            }
                        }
                    }
                }
                let mismatches = zip(fast.values, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                #expect(mismatches == 0, "\(testCase) \(activation.kind) accumulate \(accumulate): \(mismatches) of \(expected.count) values differ")
                #expect(fast.values.allSatisfy { $0.isFinite })
            }
        }
    }

    static func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, low: low, high: high, generator: &generator)
    }

    /// The FMA-peak loop of the layer profile does the work it is credited with: every lane of its
    /// 16 chains follows `c ← b + c · a` from 0, so its sum is 256 × one scalar chain (to float
    /// rounding: a loop that skipped iterations or chains would be off by far more).
    @Test func fusedMultiplyAddPeakComputesItsChains() {
        for iterations in [0, 1, 7, 1000] {
            var chain: Float = 0
            for _ in 0..<iterations { chain = Float(1e-7).addingProduct(chain, 0.999_999) }
            let sum = AVX512Kernels.fusedMultiplyAddPeak(iterations: iterations)
            #expect(abs(sum - 256 * chain) <= 1e-5 * 256 * chain, "\(iterations) iterations: \(sum), expected \(256 * chain)")
        }
    }

    /// Softmax rows of every length around the 16- and 8-lane steps (tails of 1…15), values from
    /// −200 to +60 (some exponentials underflow to 0), a row of one repeated value, and
    /// rows of 2401 (the attention's keys): the AVX-512 softmax, normalised or not, and its
    /// backward rule with and without a keep mask, against the AVX2 kernels bit for bit
    /// (results and the returned 1/Σ).
    @Test func softmaxRowsMatchTheAVX2Kernels() {
        var generator = SeededGenerator(seed: 97)
        let lengths = Array(1...40) + [47, 48, 49, 63, 64, 65, 2401]
        for length in lengths {
            let row = (0..<length).map { index -> Float in
                index % 11 == 5 ? -200 : generator.nextUniform() * 60 - (index % 3 == 0 ? 0 : 40)
            }
            for values in [row, [Float](repeating: 0.25, count: length)] {
                for normalizes in [true, false] {
                    var wide = values, narrow = values
                    let wideInverse = wide.withUnsafeMutableBufferPointer {
                        AVX512Kernels.softmaxRow($0.baseAddress!, count: length, normalizes: normalizes)
                    }
                    let narrowInverse = narrow.withUnsafeMutableBufferPointer {
                        AVX2Kernels.softmaxRow($0.baseAddress!, count: length, normalizes: normalizes)
                    }
                    #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "length \(length), normalised \(normalizes)")
                    #expect(wideInverse.bitPattern == narrowInverse.bitPattern, "length \(length): 1/Σ \(wideInverse) vs \(narrowInverse)")
                }
            }
            var probabilities = row
            probabilities.withUnsafeMutableBufferPointer { _ = AVX2Kernels.softmaxRow($0.baseAddress!, count: length) }
            let gradient = (0..<length).map { _ in generator.nextUniform() * 2 - 1 }
            for keep in [nil, generator.dropoutKeepMask(count: length, probability: 0.1)] {
                var wide = gradient, narrow = gradient
                func run(_ target: inout [Float],
                         _ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafePointer<UInt8>?) -> Void) {
                    target.withUnsafeMutableBufferPointer { g in
                        probabilities.withUnsafeBufferPointer { p in
                            if let keep {
                                keep.withUnsafeBufferPointer { kernel(g.baseAddress!, p.baseAddress!, $0.baseAddress!) }
                            } else {
                                kernel(g.baseAddress!, p.baseAddress!, nil)
                            }
                        }
                    }
                }
                run(&wide) { AVX512Kernels.softmaxBackwardRow(gradient: $0, probabilities: $1, keep: $2, keepScale: 1 / 0.9, count: length) }
                run(&narrow) { AVX2Kernels.softmaxBackwardRow(gradient: $0, probabilities: $1, keep: $2, keepScale: 1 / 0.9, count: length) }
                #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "backward, length \(length), mask \(keep != nil)")
            }
        }
    }

    /// The AVX-512 keep mask against the AVX2 kernel, bit for bit, for every tail around its 16
    /// lanes, out of place and in place (flags of every byte value: only 0 drops).
    @Test func keepMaskMatchesTheAVX2Kernel() {
        var generator = SeededGenerator(seed: 98)
        for count in Array(0...40) + [2401] {
            let values = (0..<count).map { _ in generator.nextUniform() * 2 - 1 }
            let keep = (0..<count).map { index -> UInt8 in index % 3 == 0 ? 0 : UInt8(truncatingIfNeeded: index * 37) | 1 }
            func run(inPlace: Bool, _ kernel: (UnsafePointer<Float>, UnsafePointer<UInt8>, Int, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
                var result = inPlace ? values : [Float](repeating: .nan, count: count)
                guard count > 0 else { return result }
                values.withUnsafeBufferPointer { source in
                    keep.withUnsafeBufferPointer { flags in
                        result.withUnsafeMutableBufferPointer { target in
                            kernel(inPlace ? UnsafePointer(target.baseAddress!) : source.baseAddress!, flags.baseAddress!, count, target.baseAddress!)
                        }
                    }
                }
                return result
            }
            for inPlace in [false, true] {
                let wide = run(inPlace: inPlace) { AVX512Kernels.applyKeepMask($0, keep: $1, keepScale: 1 / 0.7, count: $2, into: $3) }
                let narrow = run(inPlace: inPlace) { AVX2Kernels.applyKeepMask($0, keep: $1, keepScale: 1 / 0.7, count: $2, into: $3) }
                #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "\(count) values, in place \(inPlace)")
            }
        }
    }
}

