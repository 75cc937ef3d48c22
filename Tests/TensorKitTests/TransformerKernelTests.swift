import Foundation
import Testing
@testable import TensorKit
import TestSupport
import VectorKernelsAVX2

/// The transformer block's fast kernels (AVX2 GELU/SiLU, bias, gated product, residual,
/// LayerNorm, strided attention) against their portable/composed twins.
@Suite struct TransformerKernelTests {
    /// A dense sweep of −12…12, the large magnitudes up to Float's maximum, zeros and tiny values.
    static let activationInputs: [Float] = {
        var values = (0...240_000).map { Float(-12 + Double($0) * 1e-4) }
        for magnitude: Float in [12.5, 15, 20, 30, 50, 87, 88, 89, 100, 1e3, 1e5, 1e10, 1e20, 1e30, 3e38, .greatestFiniteMagnitude,
                                 1e-3, 1e-10, 1e-30, .leastNormalMagnitude] {
            values += [magnitude, -magnitude]
        }
        return values + [0, -0.0]
    }()

    /// Applies `activation` to `values` as one row (tails included) through the dispatching or the portable kernel.
    static func activated(_ values: [Float], _ activation: TokenActivation, portable: Bool) -> [Float] {
        var result = values
        result.withUnsafeMutableBufferPointer { buffer in
            TransformerKernels.biasActivationRows(buffer.baseAddress!, rows: 0..<1, width: buffer.count, bias: nil,
                                                  activation: activation, portable: portable)
        }
        return result
    }

    /// The AVX2 GELU matches the scalar `erff` formula within 2e-6 relative, plus that formula's own
    /// rounding of `1 + erf` near −1 (|x| · 2⁻²³; `erff` rounds to a float next to ±1), and is
    /// never NaN for a finite input.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2GELUMatchesScalarErfGELU() {
        let inputs = Self.activationInputs
        let fast = Self.activated(inputs, .gelu, portable: false), reference = Self.activated(inputs, .gelu, portable: true)
        var worst: (ratio: Double, x: Float) = (0, 0)
        for (index, x) in inputs.enumerated() {
            #expect(!fast[index].isNaN, "GELU(\(x)) is NaN")
            let allowed = 2e-6 * Swift.abs(Double(reference[index])) + Swift.abs(Double(x)) * 0x1p-23 + 1e-37
            let ratio = Swift.abs(Double(fast[index]) - Double(reference[index])) / allowed
            if ratio > worst.ratio { worst = (ratio, x) }
        }
        print("GELU fast vs erff: worst difference \(worst.ratio) of its allowance at x = \(worst.x)")
        #expect(worst.ratio <= 1, "GELU at x = \(worst.x): \(worst.ratio) × the allowed difference")
    }

    /// Against the exact value (double-precision erfc), the AVX2 GELU is within 2e-6 relative down
    /// to x = −12 (where GELU is about 1e-32): more accurate than `1 + erff` in the negative tail.
    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2GELUIsAccurateInTheNegativeTail() {
        let inputs = Self.activationInputs.filter { $0 >= -12 && Swift.abs($0) <= 1e30 && $0 != 0 }
        let fast = Self.activated(inputs, .gelu, portable: false)
        var worst: (relative: Double, x: Float) = (0, 0)
        for (index, x) in inputs.enumerated() {
            let exact = 0.5 * Double(x) * Foundation.erfc(-Double(x) / 2.0.squareRoot())
            guard Swift.abs(exact) >= 1e-36 else { continue }
            let relative = Swift.abs(Double(fast[index]) - exact) / Swift.abs(exact)
            if relative > worst.relative { worst = (relative, x) }
        }
        print("GELU fast vs exact: worst relative difference \(worst.relative) at x = \(worst.x)")
        #expect(worst.relative <= 2e-6, "GELU at x = \(worst.x): relative difference \(worst.relative)")
    }

    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2SiLUMatchesScalarSiLU() {
        let inputs = Self.activationInputs
        let fast = Self.activated(inputs, .silu, portable: false), reference = Self.activated(inputs, .silu, portable: true)
        for (index, x) in inputs.enumerated() {
            #expect(!fast[index].isNaN, "SiLU(\(x)) is NaN")
            #expect(Swift.abs(Double(fast[index]) - Double(reference[index])) <= 2e-6 * Swift.abs(Double(reference[index])) + 1e-30,
                    "SiLU(\(x)): \(fast[index]) vs \(reference[index])")
        }
    }

    /// Random rows of awkward widths (tails of every length) for the row kernels.
    static func randomRows(rows: Int, width: Int, seed: UInt64, scale: Float = 3) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<(rows * width)).map { _ in (generator.nextUniform() * 2 - 1) * scale }
    }

    @Test(.enabled(if: CPUFeatures.hasAVX2AndFMA, "needs a CPU with AVX2 and FMA"))
    func avx2RowKernelsMatchPortableTwins() {
        for width in [1, 5, 8, 13, 64, 100] {
            let rows = 3
            let source = Self.randomRows(rows: rows, width: 2 * width, seed: UInt64(width))
            let bias = Self.randomRows(rows: 1, width: 2 * width, seed: 1000 + UInt64(width))
            let gamma = Self.randomRows(rows: 1, width: width, seed: 2000 + UInt64(width))
            let tolerance = Tolerance(absolute: 1e-6, relative: 2e-6)
            for activation in [TokenActivation.identity, .gelu, .silu] {
                func biased(portable: Bool) -> [Float] {
                    var values = source
                    values.withUnsafeMutableBufferPointer { target in
                        bias.withUnsafeBufferPointer { b in
                            TransformerKernels.biasActivationRows(target.baseAddress!, rows: 0..<rows, width: 2 * width, bias: b.baseAddress,
                                                                  activation: activation, portable: portable)
                        }
                    }
                    return values
                }
                expectClose(biased(portable: false), biased(portable: true), tolerance: tolerance, "bias + \(activation), width \(2 * width)")
                func gated(portable: Bool) -> [Float] {
                    var output = [Float](repeating: .nan, count: rows * width)
                    source.withUnsafeBufferPointer { s in
                        bias.withUnsafeBufferPointer { b in
                            output.withUnsafeMutableBufferPointer { o in
                                TransformerKernels.gatedActivationRows(source: s.baseAddress!, rows: 0..<rows, half: width, bias: b.baseAddress,
                                                                       target: o.baseAddress!, activation: activation, portable: portable)
                            }
                        }
                    }
                    return output
                }
                expectClose(gated(portable: false), gated(portable: true), tolerance: tolerance, "gated \(activation), half \(width)")
            }
            let branch = Array(source.prefix(rows * width)), start = Self.randomRows(rows: rows, width: width, seed: 3000 + UInt64(width))
            for withGamma in [false, true] {
                func residual(portable: Bool) -> [Float] {
                    var values = start
                    values.withUnsafeMutableBufferPointer { target in
                        branch.withUnsafeBufferPointer { s in
                            bias.withUnsafeBufferPointer { b in
                                gamma.withUnsafeBufferPointer { g in
                                    TransformerKernels.residualRows(target.baseAddress!, branch: s.baseAddress!, rows: 0..<rows, width: width,
                                                                    bias: b.baseAddress, gamma: withGamma ? g.baseAddress : nil, portable: portable)
                                }
                            }
                        }
                    }
                    return values
                }
                expectClose(residual(portable: false), residual(portable: true), tolerance: tolerance, "residual, width \(width)")
            }
            // LayerNorm rows offset by 50 (the mean must be removed before the variance).
            let shifted = start.map { $0 + 50 }
            func normed(portable: Bool) -> [Float] {
                var output = [Float](repeating: .nan, count: rows * width)
                shifted.withUnsafeBufferPointer { s in
                    gamma.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { b in
                            output.withUnsafeMutableBufferPointer { o in
                                TransformerKernels.layerNormRows(source: s.baseAddress!, rows: 0..<rows, width: width, eps: 1e-6,
                                                                 weight: w.baseAddress!, bias: b.baseAddress!, output: o.baseAddress!,
                                                                 portable: portable)
                            }
                        }
                    }
                }
                return output
            }
            expectClose(normed(portable: false), normed(portable: true), tolerance: Tolerance(absolute: 2e-5, relative: 1e-5),
                        "layer norm, width \(width)")
        }
    }

    /// Random timm-style block weights.
    static func block(width d: Int, heads: Int, hidden: Int, gated: Bool, activation: PreNormTransformerBlock.Activation,
                      qkvBias: Bool, layerScale: Bool, seed: UInt64) -> PreNormTransformerBlock {
        var generator = SeededGenerator(seed: seed)
        func normal(_ shape: [Int], _ std: Float, mean: Float = 0) -> Tensor {
            Tensor.normal(shape, mean: mean, std: std, generator: &generator)
        }
        let scale = 1 / Float(d).squareRoot()
        return PreNormTransformerBlock(
            norm1Weight: normal([d], 0.1, mean: 1), norm1Bias: normal([d], 0.1),
            qkvWeight: normal([3 * d, d], scale), qkvBias: qkvBias ? normal([3 * d], 0.1) : nil,
            projWeight: normal([d, d], scale), projBias: normal([d], 0.1),
            norm2Weight: normal([d], 0.1, mean: 1), norm2Bias: normal([d], 0.1),
            fc1Weight: normal([hidden, d], scale), fc1Bias: normal([hidden], 0.1),
            fc2Weight: normal([d, gated ? hidden / 2 : hidden], 1 / Float(hidden).squareRoot()), fc2Bias: normal([d], 0.1),
            gamma1: layerScale ? normal([d], 0.3, mean: 0.5) : nil, gamma2: layerScale ? normal([d], 0.3, mean: 0.5) : nil,
            headCount: heads, epsilon: 1e-6, activation: activation, gated: gated)
    }

    /// The fast block (one GEMM per layer over every token, strided per-head attention, AVX2
    /// epilogues) against the composed Tensor ops, for the options timm's ViTs use, token counts
    /// below and above the attention row block (256), and inside a data-parallel worker.
    @Test(arguments: [
        (width: 48, heads: 4, hidden: 192, gated: false, activation: PreNormTransformerBlock.Activation.gelu, qkvBias: true,
         layerScale: false, sequences: 3, tokens: 5),
        (width: 40, heads: 5, hidden: 160, gated: true, activation: .silu, qkvBias: false, layerScale: true, sequences: 2, tokens: 300),
        (width: 24, heads: 2, hidden: 64, gated: true, activation: .gelu, qkvBias: true, layerScale: true, sequences: 1, tokens: 17),
        (width: 64, heads: 1, hidden: 96, gated: false, activation: .silu, qkvBias: true, layerScale: false, sequences: 4, tokens: 50),
    ])
    func fastBlockMatchesComposedTwin(width: Int, heads: Int, hidden: Int, gated: Bool, activation: PreNormTransformerBlock.Activation,
                                      qkvBias: Bool, layerScale: Bool, sequences: Int, tokens: Int) {
        let blocks = (0..<2).map {
            Self.block(width: width, heads: heads, hidden: hidden, gated: gated, activation: activation, qkvBias: qkvBias,
                       layerScale: layerScale, seed: 7 + UInt64($0))
        }
        var generator = SeededGenerator(seed: 99)
        let x = Tensor.normal([sequences * tokens, width], std: 1, generator: &generator)
        let reference = PreNormTransformerBlock.runReference(blocks, on: x, sequences: sequences, tokens: tokens)
        let tolerance = Tolerance(absolute: 1e-5, relative: 1e-4, relativeTo: .largestExpected)
        let label = "d \(width), \(heads) heads, \(gated ? "gated " : "")\(activation), \(sequences) × \(tokens) tokens"
        expectClose(PreNormTransformerBlock.run(blocks, on: x, sequences: sequences, tokens: tokens), reference, tolerance: tolerance, label)
        // One sequence per data-parallel worker, as the encoders run words: the serial path.
        final class Outputs: @unchecked Sendable {
            let lock = NSLock()
            var tensors: [Tensor]
            init(count: Int) { tensors = Array(repeating: Tensor(scalar: 0), count: count) }
        }
        let collected = Outputs(count: sequences)
        ParallelLoop.runDataParallel(workerCount: 2) { worker in
            for sequence in stride(from: worker, to: sequences, by: 2) {
                let rows = x.slice(axis: 0, sequence * tokens ..< (sequence + 1) * tokens)
                let output = PreNormTransformerBlock.run(blocks, on: rows, sequences: 1, tokens: tokens)
                collected.lock.lock()
                collected.tensors[sequence] = output
                collected.lock.unlock()
            }
        }
        let joined = Tensor.concat(collected.tensors, axis: 0)
        expectClose(joined, reference, tolerance: tolerance, "\(label), per-sequence workers")
    }
}
