import Testing
import Foundation
@testable import TensorKit

/// Forward values checked against numbers derived by hand.
@Suite struct ForwardValueTests {
    @Test func broadcastingAddAndMultiply() {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let row = Tensor([10, 20, 30])
        let column = Tensor(shape: [2, 1], scalars: [2, 3])
        #expect((matrix + row).scalars == [11, 22, 33, 14, 25, 36])
        #expect((matrix * column).scalars == [2, 4, 6, 12, 15, 18])
        #expect((row - column).shape == [2, 3])
        #expect((row - column).scalars == [8, 18, 28, 7, 17, 27])
    }

    @Test func matmulOfSmallMatrices() {
        // [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(a.matmul(b).scalars == [19, 22, 43, 50])
        #expect(a.matmul(b, transposeB: true).scalars == [17, 23, 39, 53])
        #expect(a.matmul(b, transposeA: true).scalars == [26, 30, 38, 44])
    }
}

@Suite struct ForwardValueTests2 {
    @Test func reductionsByHand() {
        let x = Tensor(shape: [2, 3], scalars: [1, -2, 3, -4, 5, -6])
        #expect(x.sum(axis: 0).scalars == [-3, 3, -3])
        #expect(x.sum(axis: 1).scalars == [2, -5])
        #expect(x.mean(axis: 1, keepDims: true).shape == [2, 1])
        #expect(x.max(axis: 1).scalars == [3, 5])
        #expect(x.argmax(axis: 1) == [2, 1])
        #expect(x.norm(p: 1, axis: 1).scalars == [6, 15])
        // √(1+4+9) and √(16+25+36)
        #expect(x.norm(p: 2, axis: 1).scalars == [Float(14).squareRoot(), Float(77).squareRoot()])
        #expect(x.sum().item == -3)
    }

    @Test func elementwiseByHand() {
        let x = Tensor([-7, -0.5, 0, 2, 8])
        #expect(x.relu().scalars == [0, 0, 0, 2, 8])
        #expect(x.relu6().scalars == [0, 0, 0, 2, 6])
        #expect(x.clamped(min: -1, max: 1).scalars == [-1, -0.5, 0, 1, 1])
        #expect(x.sigmoid()[2] == 0.5)
        #expect(Tensor([4, 9]).sqrt().scalars == [2, 3])
        #expect(Tensor([2, 3]).pow(3).scalars == [8, 27])
        #expect(Swift.abs(Tensor([1]).exp().item - 2.7182817) < 1e-6)
    }

    @Test func shapeOperationsByHand() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x.transposed().scalars == [1, 4, 2, 5, 3, 6])
        #expect(x.slice(axis: 1, 1..<3).scalars == [2, 3, 5, 6])
        #expect(Tensor.concat([x, x], axis: 0).shape == [4, 3])
        #expect(Tensor.concat([x, x], axis: 1).scalars == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        #expect(Tensor.stack([x, x], axis: 0).shape == [2, 2, 3])
        #expect(x.indexSelect(axis: 1, indices: [2, 0]).scalars == [3, 1, 6, 4])
        #expect(x.gather(axis: 1, indices: [2, 2, 0, 1], indexShape: [2, 2]).scalars == [3, 3, 4, 5])
        #expect(x.reshaped([3, -1]).shape == [3, 2])
        let cube = Tensor(shape: [2, 2, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(cube.permuted([2, 0, 1]).scalars == [0, 2, 4, 6, 1, 3, 5, 7])
    }

    /// Tensors large enough to be permuted in parallel chunks of rows (whose first rows start
    /// mid-odometer), against each element's source index computed on its own: the attention's
    /// head split and merge, a full reversal and a move of the last axis (a strided inner run).
    @Test func largePermutationsMatchElementByElementIndexing() {
        let shape = [3, 50, 7, 130]
        let x = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Float.init))
        let strides = [50 * 7 * 130, 7 * 130, 130, 1]
        for permutation in [[0, 2, 1, 3], [3, 2, 1, 0], [0, 3, 1, 2], [1, 0, 2, 3]] {
            let result = x.permuted(permutation)
            let outputShape = permutation.map { shape[$0] }
            #expect(result.shape == outputShape)
            var expected: [Float] = []
            expected.reserveCapacity(x.count)
            for i0 in 0..<outputShape[0] {
                for i1 in 0..<outputShape[1] {
                    for i2 in 0..<outputShape[2] {
                        for i3 in 0..<outputShape[3] {
                            let index = [i0, i1, i2, i3]
                            expected.append(Float(zip(permutation, index).map { strides[$0] * $1 }.reduce(0, +)))
                        }
                    }
                }
            }
            #expect(result.scalars == expected, "permutation \(permutation)")
        }
    }

    @Test func softmaxIsStableForHugeInputs() {
        let x = Tensor(shape: [2, 3], scalars: [1e4, 1e4 - 1, -1e4, -1e4, -1e4 + 2, -1e4 + 1])
        let probabilities = x.softmax()
        let logProbabilities = x.logSoftmax()
        #expect(probabilities.scalars.allSatisfy { $0.isFinite })
        #expect(logProbabilities.scalars.allSatisfy { $0.isFinite })
        // Row 0: softmax of (0, −1, −2e4) = (e⁰, e⁻¹, 0) / (1 + e⁻¹).
        let expected0: Float = 1 / (1 + Float(-1).exponentiated)
        #expect(Swift.abs(probabilities[0, 0] - expected0) < 1e-6)
        #expect(probabilities[0, 2] == 0)
        #expect(Swift.abs(logProbabilities[0, 2] - (-2e4 - Float(1 + Float(-1).exponentiated).logarithm)) < 1e-2)
        // Row 1: (0, 2, 1) shifted.
        let denominator = 1 + Float(2).exponentiated + Float(1).exponentiated
        #expect(Swift.abs(probabilities[1, 1] - Float(2).exponentiated / denominator) < 1e-6)
        #expect(Swift.abs(logProbabilities[1, 0] - (-denominator.logarithm)) < 1e-5)
    }

    /// Widths below, across and above the eight-lane sums; 600 × 260 also runs split over cores.
    @Test(arguments: [(4, 7), (3, 19), (600, 260)])
    func layerNormMatchesDirectFormula(_ size: (rows: Int, width: Int)) {
        let (rows, width) = size
        let x = randomTensor([rows, width], seed: 40, low: -3, high: 5)
        let weight = randomTensor([width], seed: 41), bias = randomTensor([width], seed: 42)
        let eps: Float = 1e-6
        let result = x.layerNorm(weight: weight, bias: bias, eps: eps)
        let plain = x.layerNorm(weight: nil, bias: nil, eps: eps)
        var worst = 0.0, worstPlain = 0.0
        for row in 0..<rows {
            let values = (0..<width).map { Double(x.scalars[row * width + $0]) }
            let mean = values.reduce(0, +) / Double(width)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for column in 0..<width {
                let normalized = (values[column] - mean) / (variance + Double(eps)).squareRoot()
                let expected = normalized * Double(weight.scalars[column]) + Double(bias.scalars[column])
                worst = Swift.max(worst, Swift.abs(Double(result.scalars[row * width + column]) - expected))
                worstPlain = Swift.max(worstPlain, Swift.abs(Double(plain.scalars[row * width + column]) - normalized))
            }
        }
        #expect(worst < 1e-5, "\(rows)×\(width): max difference \(worst)")
        #expect(worstPlain < 1e-5, "\(rows)×\(width) without affine: max difference \(worstPlain)")
    }

    @Test func seededRandomIsReproducible() {
        var first = SeededGenerator(seed: 1234), second = SeededGenerator(seed: 1234), other = SeededGenerator(seed: 1235)
        let a = Tensor.normal([100], generator: &first), b = Tensor.normal([100], generator: &second)
        let c = Tensor.normal([100], generator: &other)
        #expect(a.scalars == b.scalars)
        #expect(a.scalars != c.scalars)
        // Moments of many samples.
        var generator = SeededGenerator(seed: 5)
        let samples = Tensor.normal([20000], mean: 2, std: 3, generator: &generator)
        let mean = samples.mean().item
        let std = ((samples - mean) * (samples - mean)).mean().item.squareRoot()
        #expect(Swift.abs(mean - 2) < 0.1 && Swift.abs(std - 3) < 0.1)
        let xavier = Tensor.xavierUniform([64, 32], generator: &generator)
        let bound = (6 / Float(96)).squareRoot()
        #expect(xavier.scalars.allSatisfy { Swift.abs($0) <= bound })
        #expect(xavier.scalars.max()! > bound * 0.9)
    }

    @Test func dropoutKeepsExpectationAndIsSeeded() {
        var generator = SeededGenerator(seed: 3)
        let ones = Tensor.ones([10000])
        let dropped = ones.dropout(probability: 0.4, generator: &generator)
        let zeros = dropped.scalars.filter { $0 == 0 }.count
        #expect(Swift.abs(Float(zeros) / 10000 - 0.4) < 0.03)
        #expect(dropped.scalars.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.6) < 1e-6 })
        var again = SeededGenerator(seed: 3)
        #expect(ones.dropout(probability: 0.4, generator: &again).scalars == dropped.scalars)
    }

    @Test func valueSemantics() {
        let original = Tensor([1, 2, 3])
        var copy = original
        copy[0] = 10
        #expect(original.scalars == [1, 2, 3])
        #expect(copy.scalars == [10, 2, 3])
    }
}

private extension Float {
    var exponentiated: Float { Float(Foundation.exp(Double(self))) }
    var logarithm: Float { Float(Foundation.log(Double(self))) }
}

/// The multi-threaded element-wise paths against plain serial loops on tensors large enough to be split.
@Suite struct ParallelPathTests {
    @Test func largeElementwiseOpsMatchSerialLoops() {
        let count = ParallelLoop.minimumParallelCount * 2 + 3
        let a = randomTensor([count], seed: 70), b = randomTensor([count], seed: 71)
        let sum = a + b, scaled = a * 3 + 1, rectified = a.relu(), squared = a.pow(2)
        for index in stride(from: 0, to: count, by: 997) {
            #expect(sum.scalars[index] == a.scalars[index] + b.scalars[index])
            #expect(scaled.scalars[index] == a.scalars[index] * 3 + 1)
            #expect(rectified.scalars[index] == Swift.max(a.scalars[index], 0))
            #expect(squared.scalars[index] == a.scalars[index] * a.scalars[index])
        }
        #expect(sum.scalars[count - 1] == a.scalars[count - 1] + b.scalars[count - 1])
    }
}

/// GEMM split over our own threads (single-threaded OpenBLAS per half) against a naive triple loop.
@Suite(.serialized) struct RowSplitGEMMTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func splitGEMMMatchesNaiveLoop(_ flags: (Bool, Bool)) {
        let (m, n, k) = (300, 97, 80)   // m·n·k ≥ 2²¹, so the split path runs
        let a = randomTensor(flags.0 ? [k, m] : [m, k], seed: 80), b = randomTensor(flags.1 ? [n, k] : [k, n], seed: 81)
        let wasSplitting = BLASThreading.splitsRowsAcrossCores
        BLASThreading.useRowSplitting(true)
        defer { BLASThreading.useRowSplitting(wasSplitting) }
        let product = a.matmul(b, transposeA: flags.0, transposeB: flags.1)
        var worst: Float = 0
        for row in 0..<m {
            for column in 0..<n {
                var expected: Float = 0
                for inner in 0..<k {
                    expected += (flags.0 ? a[inner, row] : a[row, inner]) * (flags.1 ? b[column, inner] : b[inner, column])
                }
                worst = Swift.max(worst, Swift.abs(product[row, column] - expected))
            }
        }
        #expect(worst < 1e-4, "max |split − naive| = \(worst)")
    }
}
