import Foundation
import Testing
import TestSupport
@testable import TensorKit

/// A finite-difference check of every differentiable operation (see `checkGradients` for the
/// tolerance), including broadcasting and edge shapes.
@Suite struct GradientTests {
    // MARK: Element-wise binary, with and without broadcasting

    static let broadcastPairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([2, 1, 4], [3, 1]), ([1], [2, 2]), ([], [2, 3]), ([2, 3], [1, 1]),
    ]

    @Test(arguments: broadcastPairs) func add(_ shapes: ([Int], [Int])) {
        checkGradients([randomTensor(shapes.0, seed: 1), randomTensor(shapes.1, seed: 2)]) { $0[0] + $0[1] }
    }

    @Test(arguments: broadcastPairs) func subtract(_ shapes: ([Int], [Int])) {
        checkGradients([randomTensor(shapes.0, seed: 3), randomTensor(shapes.1, seed: 4)]) { $0[0] - $0[1] }
    }

    @Test(arguments: broadcastPairs) func multiply(_ shapes: ([Int], [Int])) {
        checkGradients([randomTensor(shapes.0, seed: 5), randomTensor(shapes.1, seed: 6)]) { $0[0] * $0[1] }
    }

    @Test(arguments: broadcastPairs) func divide(_ shapes: ([Int], [Int])) {
        checkGradients([randomTensor(shapes.0, seed: 7), randomTensor(shapes.1, seed: 8, low: 0.5, high: 2)]) { $0[0] / $0[1] }
    }

    @Test func scalarArithmetic() {
        checkGradients([randomTensor([3, 2], seed: 9)]) { (2 - $0[0] * 3 + 1) / 4 }
        checkGradients([randomTensor([3, 2], seed: 10)]) { -$0[0] }
    }

    // MARK: Element-wise unary

    @Test func unaryFunctions() {
        let x = randomTensor([2, 5], seed: 11, low: -2, high: 2)
        let positive = randomTensor([2, 5], seed: 12, low: 0.3, high: 3)
        checkGradients([x]) { $0[0].exp() }
        checkGradients([positive]) { $0[0].log() }
        checkGradients([positive]) { $0[0].sqrt() }
        checkGradients([positive]) { $0[0].pow(2.5) }
        checkGradients([x]) { $0[0].pow(2) }
        checkGradients([x]) { $0[0].tanh() }
        checkGradients([x]) { $0[0].sigmoid() }
    }

    @Test func piecewiseFunctionsAwayFromKinks() {
        // Values chosen at least 0.1 from every kink (0, 6, clamp bounds) so ±h stays on one side.
        let x = Tensor(shape: [2, 4], scalars: [-1.5, -0.3, 0.2, 0.9, 5.5, 6.5, -3, 2.2])
        checkGradients([x]) { $0[0].relu() }
        checkGradients([x]) { $0[0].relu6() }
        checkGradients([x]) { $0[0].clamped(min: -1, max: 1) }
        checkGradients([x]) { $0[0].abs() }
    }

    // MARK: Reductions

    @Test(arguments: [0, 1, 2, -1]) func sumAndMean(axis: Int) {
        let x = randomTensor([2, 3, 4], seed: 13)
        checkGradients([x]) { $0[0].sum(axis: axis) }
        checkGradients([x]) { $0[0].sum(axis: axis, keepDims: true) }
        checkGradients([x]) { $0[0].mean(axis: axis) }
    }

    @Test func fullReductions() {
        checkGradients([randomTensor([3, 4], seed: 14)]) { $0[0].sum() }
        checkGradients([randomTensor([3, 4], seed: 15)]) { $0[0].mean() }
        checkGradients([randomTensor([1], seed: 16)]) { $0[0].sum() }
    }

    @Test(arguments: [0, 1, 2]) func maxAlongAxis(axis: Int) {
        // Distinct values so the arg-max does not change under ±h.
        let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float(($0 * 7) % 24) * 0.5 })
        checkGradients([x]) { $0[0].max(axis: axis) }
    }

    @Test(arguments: [1, 2]) func norms(p: Int) {
        let x = randomTensor([3, 5], seed: 17, low: 0.2, high: 1.5) * randomTensor([3, 5], seed: 18).mapScalars { $0 > 0 ? 1 : -1 }
        checkGradients([x]) { $0[0].norm(p: p, axis: -1) }
        checkGradients([x]) { $0[0].norm(p: p, axis: 0, keepDims: true) }
    }

    // MARK: Shape

    @Test func shapeOperations() {
        let x = randomTensor([2, 3, 4], seed: 19)
        checkGradients([x]) { $0[0].reshaped([6, 4]) }
        checkGradients([x]) { $0[0].permuted([2, 0, 1]) }
        checkGradients([x]) { $0[0].transposed(0, 2) }
        checkGradients([x]) { $0[0].slice(axis: 1, 1..<3) }
        checkGradients([x]) { $0[0].slice(axis: 2, 0..<1) }
        checkGradients([x]) { $0[0].unsqueezed(axis: 1).squeezed(axis: 1) }
        checkGradients([randomTensor([3, 1], seed: 20)]) { $0[0].broadcast(to: [2, 3, 4]) }
    }

    @Test func concatStackSplit() {
        let a = randomTensor([2, 3], seed: 21), b = randomTensor([2, 2], seed: 22), c = randomTensor([2, 3], seed: 23)
        checkGradients([a, b]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        checkGradients([a, c]) { Tensor.stack([$0[0], $0[1]], axis: 1) }
        checkGradients([a]) { x in
            let parts = x[0].split(axis: 1, sizes: [1, 2])
            return parts[0] * 2 + parts[1].sum(axis: 1, keepDims: true)
        }
    }

    @Test func indexSelectAndGather() {
        let x = randomTensor([3, 4], seed: 24)
        checkGradients([x]) { $0[0].indexSelect(axis: 0, indices: [2, 0, 2]) }
        checkGradients([x]) { $0[0].indexSelect(axis: 1, indices: [3, 1]) }
        checkGradients([x]) { $0[0].gather(axis: 1, indices: [1, 3, 0, 0, 2, 2], indexShape: [3, 2]) }
    }

    // MARK: Linear algebra

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulTransposes(_ flags: (Bool, Bool)) {
        let a = randomTensor(flags.0 ? [4, 3] : [3, 4], seed: 25)
        let b = randomTensor(flags.1 ? [2, 4] : [4, 2], seed: 26)
        checkGradients([a, b]) { $0[0].matmul($0[1], transposeA: flags.0, transposeB: flags.1) }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func batchedMatmul(_ flags: (Bool, Bool)) {
        let a = randomTensor(flags.0 ? [2, 2, 4, 3] : [2, 2, 3, 4], seed: 27)
        let b = randomTensor(flags.1 ? [2, 2, 5, 4] : [2, 2, 4, 5], seed: 28)
        checkGradients([a, b]) { $0[0].matmul($0[1], transposeA: flags.0, transposeB: flags.1) }
    }

    @Test(arguments: [false, true]) func matmulWithSharedMatrix(transposeB: Bool) {
        let a = randomTensor([2, 3, 4], seed: 29)
        let b = randomTensor(transposeB ? [5, 4] : [4, 5], seed: 30)
        checkGradients([a, b]) { $0[0].matmul($0[1], transposeB: transposeB) }
    }

    // MARK: Fused normalisations

    @Test(arguments: [0, 1, -1]) func softmaxAndLogSoftmax(axis: Int) {
        let x = randomTensor([3, 4], seed: 31, low: -3, high: 3)
        checkGradients([x]) { $0[0].softmax(axis: axis) }
        checkGradients([x]) { $0[0].logSoftmax(axis: axis) }
    }

    @Test func layerNormWithAndWithoutAffine() {
        let x = randomTensor([2, 3, 5], seed: 32, low: -2, high: 2)
        let weight = randomTensor([5], seed: 33, low: 0.5, high: 1.5), bias = randomTensor([5], seed: 34)
        checkGradients([x, weight, bias]) { $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5) }
        checkGradients([x]) { $0[0].layerNorm(weight: nil, bias: nil, eps: 1e-6) }
        // A width with eight-lane sums and a tail.
        let wide = randomTensor([2, 19], seed: 35, low: -2, high: 2)
        let wideWeight = randomTensor([19], seed: 36, low: 0.5, high: 1.5), wideBias = randomTensor([19], seed: 37)
        checkGradients([wide, wideWeight, wideBias]) { $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-5) }
    }

    // MARK: Edge shapes

    @Test func singleElementTensors() {
        let x = randomTensor([1, 1], seed: 35, low: 0.5, high: 1)
        checkGradients([x]) { $0[0].softmax(axis: -1) + $0[0].log() }
        checkGradients([x, randomTensor([1, 1], seed: 36)]) { $0[0].matmul($0[1]) }
        checkGradients([x]) { $0[0].norm(p: 2, axis: 1) }
    }

    @Test func emptyAxis() {
        let empty = Tensor.zeros([2, 0, 3]).requiringGrad()
        let summed = empty.sum(axis: 1)
        #expect(summed.shape == [2, 3] && summed.scalars.allSatisfy { $0 == 0 })
        summed.sum().backward()
        #expect(empty.grad?.shape == [2, 0, 3])
        let joined = Tensor.concat([empty, Tensor.ones([2, 1, 3])], axis: 1)
        #expect(joined.shape == [2, 1, 3])
        let product = Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3]))
        #expect(product.shape == [2, 3] && product.scalars.allSatisfy { $0 == 0 })
    }

    // MARK: Engine behaviour

    @Test func gradientsAccumulateUntilZeroed() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * x).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [5, 7, 9])   // 2x + 3
        x.zeroGrad()
        #expect(x.grad == nil)
        x.sum().backward()
        #expect(x.grad?.scalars == [1, 1, 1])
    }

    @Test func reusedTensorGetsSumOfPaths() {
        // y = x·x + x  ⇒  dy/dx = 2x + 1 even though x appears three times in the graph.
        let x = Tensor(scalar: 3).requiringGrad()
        (x * x + x).backward()
        #expect(x.grad?.item == 7)
    }

    @Test func noGradScopeRecordsNothing() {
        let x = Tensor([1, 2]).requiringGrad()
        let y = withoutGrad { (x * 2).exp() }
        #expect(!y.requiresGrad)
        #expect((x * 2).requiresGrad)
    }
}

/// The fused attention kernel against its composed twin, and its backward rule by finite differences.
@Suite struct FusedAttentionTests {
    static func composed(_ query: Tensor, _ key: Tensor, _ value: Tensor) -> Tensor {
        query.matmul(key, transposeB: true).softmax(axis: -1).matmul(value)
    }

    @Test(arguments: [(1, 2, 5, 7, 3), (2, 1, 9, 4, 8), (1, 3, 300, 260, 4)])
    func forwardMatchesComposedOps(_ sizes: (Int, Int, Int, Int, Int)) throws {
        let (batch, heads, queries, keys, features) = sizes
        let query = randomTensor([batch, heads, queries, features], seed: 50, low: -2, high: 2)
        let key = randomTensor([batch, heads, keys, features], seed: 51, low: -2, high: 2)
        let value = randomTensor([batch, heads, keys, features], seed: 52)
        var generator = SeededGenerator(seed: 0)
        let (fused, meanScores) = Tensor.attention(query: query, key: key, value: value, generator: &generator, needMeanScores: true)
        expectClose(fused, Self.composed(query, key, value), tolerance: 1e-5, "fused vs composed \(sizes)")
        let expectedScores = query.matmul(key, transposeB: true).mean(axis: 1)
        expectClose(try #require(meanScores), expectedScores, tolerance: 1e-5, "mean scores \(sizes)")
    }

    @Test func gradientsByFiniteDifferences() {
        let query = randomTensor([1, 2, 4, 3], seed: 53), key = randomTensor([1, 2, 5, 3], seed: 54)
        let value = randomTensor([1, 2, 5, 3], seed: 55)
        checkGradients([query, key, value]) { inputs in
            var generator = SeededGenerator(seed: 0)
            return Tensor.attention(query: inputs[0], key: inputs[1], value: inputs[2], generator: &generator).output
        }
    }

    /// Sizes: one row block, and several blocks with a partial last one (rows > `rowBlock`).
    @Test(arguments: [(6, 6, 4), (150, 70, 8)])
    func gradientsWithDropoutMatchTheComposedMaskedTwin(_ sizes: (Int, Int, Int)) throws {
        // With a fixed seed the fused op draws one mask; applying the same mask in the composed
        // version must give the same output and the same gradients.
        let (queries, keys, features) = sizes
        let query = randomTensor([1, 2, queries, features], seed: 56), key = randomTensor([1, 2, keys, features], seed: 57)
        let value = randomTensor([1, 2, keys, features], seed: 58)
        var maskGenerator = SeededGenerator(seed: 9)
        let mask = maskGenerator.dropoutKeepMask(count: 2 * queries * keys, probability: 0.3)
        let keepScale: Float = 1 / 0.7
        let maskTensor = Tensor(shape: [1, 2, queries, keys], scalars: mask.map { $0 == 0 ? 0 : keepScale })

        let leaves = [query, key, value].map { $0.requiringGrad() }
        var generator = SeededGenerator(seed: 9)
        let fused = Tensor.attention(query: leaves[0], key: leaves[1], value: leaves[2], dropoutProbability: 0.3,
                                     generator: &generator).output
        let twins = [query, key, value].map { $0.requiringGrad() }
        let composed = (twins[0].matmul(twins[1], transposeB: true).softmax(axis: -1) * maskTensor).matmul(twins[2])
        expectClose(fused, composed, tolerance: 1e-5, "fused vs composed with dropout \(sizes)")
        let weights = randomTensor(fused.shape, seed: 59)
        (fused * weights).sum().backward()
        (composed * weights).sum().backward()
        for (index, (ours, theirs)) in zip(leaves, twins).enumerated() {
            expectClose(try #require(ours.grad), try #require(theirs.grad), tolerance: 1e-5, "gradient of input \(index), \(sizes)")
        }
    }

    /// The multi-worker path — heads spread over data-parallel workers, each with its own scratch
    /// row blocks — against the composed op, forward (with and without gradients, which take
    /// different branches) and backward, with and without dropout. The worker count is forced, so
    /// this runs on a machine of any core count.
    ///
    /// Both kernel families run: OpenBLAS for every product, and (on AVX2 + FMA) the packed-panel
    /// kernel (`HeadPanels`) for all six products — one worker included.
    @Test(arguments: [1, 2, 3], CPUFeatures.hasAVX2AndFMA ? [KernelPath.portable, .avx2] : [.portable])
    func multiWorkerPathMatchesTheComposedOp(workers: Int, path: KernelPath) throws {
        // 2 × 3 heads (workers take uneven shares), 150 queries (three row blocks, the last
        // partial), 130 keys (a 24-wide last key panel); 8 features a head (one 8-wide panel) and
        // 24 (one 24-wide panel, whose 16 + 8 columns the panel product takes apart).
        for features in [8, 24] {
            let queryShape = [2, 3, 150, features], keyShape = [2, 3, 130, features], scoreCount = 2 * 3 * 150 * 130
            let query = randomTensor(queryShape, seed: 70, low: -2, high: 2), key = randomTensor(keyShape, seed: 71, low: -2, high: 2)
            let value = randomTensor(keyShape, seed: 72)
            let weights = randomTensor(queryShape, seed: 73)
            let tolerance = Tolerance(absolute: 1e-5, relative: 1e-5)
            for dropout: Float in [0, 0.3] {
                var maskGenerator = SeededGenerator(seed: 11)
                let keepScale = 1 / (1 - dropout)
                let mask = dropout > 0 ? maskGenerator.dropoutKeepMask(count: scoreCount, probability: dropout).map { $0 == 0 ? 0 : keepScale }
                    : [Float](repeating: 1, count: scoreCount)
                let twins = [query, key, value].map { $0.requiringGrad() }
                let composed = (twins[0].matmul(twins[1], transposeB: true).softmax(axis: -1)
                    * Tensor(shape: [2, 3, 150, 130], scalars: mask)).matmul(twins[2])

                var generator = SeededGenerator(seed: 11)
                let inference = Tensor.attention(query: query, key: key, value: value, dropoutProbability: dropout,
                                                 generator: &generator, workers: workers, path: path).output
                expectClose(inference, composed, tolerance: tolerance, "F \(features), \(path), \(workers) workers, dropout \(dropout), no gradients")

                let leaves = [query, key, value].map { $0.requiringGrad() }
                generator = SeededGenerator(seed: 11)
                let fused = Tensor.attention(query: leaves[0], key: leaves[1], value: leaves[2], dropoutProbability: dropout,
                                             generator: &generator, workers: workers, path: path).output
                expectClose(fused, composed, tolerance: tolerance, "F \(features), \(path), \(workers) workers, dropout \(dropout), forward")
                (fused * weights).sum().backward()
                (composed * weights).sum().backward()
                for (name, (ours, theirs)) in zip(["query", "key", "value"], zip(leaves, twins)) {
                    expectClose(try #require(ours.grad), try #require(theirs.grad), tolerance: tolerance,
                                "F \(features), \(path), \(workers) workers, dropout \(dropout), gradient of \(name)")
                }
            }
        }
    }

    @Test func vectorisedExpMatchesFoundation() {
        let inputs: [Float] = [-100, -87.5, -50, -10.3, -1, -0.2, 0, 1e-3, 0.7, 5, 30, 88, 100]
        for value in inputs {
            let lane = VectorMath.exp(SIMD8<Float>(repeating: value))[0]
            let reference = Foundation.exp(value)
            if value < -87.3 { #expect(lane == 0) } else if value > 88.7 { #expect(lane == .infinity) } else {
                #expect(Swift.abs(lane - reference) <= 2e-7 * reference, "exp(\(value)): \(lane) vs \(reference)")
            }
        }
    }
}

/// The fused linear op against its composed twin (matmul + broadcast bias) and by finite differences.
@Suite struct FusedLinearTests {
    @Test func matchesComposedOpsAndFiniteDifferences() {
        let input = randomTensor([5, 3], seed: 60), weight = randomTensor([4, 3], seed: 61), bias = randomTensor([4], seed: 62)
        let fused = input.linear(weight: weight, bias: bias)
        let composed = input.matmul(weight, transposeB: true) + bias
        #expect(zip(fused.scalars, composed.scalars).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        #expect(input.linear(weight: weight, bias: nil).scalars == input.matmul(weight, transposeB: true).scalars)
        checkGradients([input, weight, bias]) { $0[0].linear(weight: $0[1], bias: $0[2]) }
        checkGradients([input, weight]) { $0[0].linear(weight: $0[1], bias: nil) }
    }
}
