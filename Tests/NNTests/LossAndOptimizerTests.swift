import Foundation
import Testing
@testable import NN
import TensorKit

/// Losses and optimizers against values derived by hand.
@Suite struct LossAndOptimizerTests {
    @Test func weightedCrossEntropyIsTheWeightedMean() {
        // Two samples, three classes. −log softmax picked by hand in Double.
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0.5, -1, 2])
        let targets = [2, 0]
        let weights: [Float] = [0.5, 1, 2]
        func negativeLogSoftmax(_ row: [Double], _ target: Int) -> Double {
            let total = row.map { Foundation.exp($0) }.reduce(0, +)
            return -(row[target] - Foundation.log(total))
        }
        let first = negativeLogSoftmax([1, 2, 3], 2), second = negativeLogSoftmax([0.5, -1, 2], 0)
        let expected = (2 * first + 0.5 * second) / 2.5
        let loss = CrossEntropy.loss(logits: logits, targets: targets, classWeights: weights)
        #expect(Swift.abs(Double(loss.item) - expected) < 1e-6)
        let unweighted = CrossEntropy.loss(logits: logits, targets: targets)
        #expect(Swift.abs(Double(unweighted.item) - (first + second) / 2) < 1e-6)
    }

    @Test func labelSmoothingMatchesTheFairseqFormula() {
        let logits = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, -1, 0, 1, 0.5])
        let targets = [1, 3]
        let epsilon: Double = 0.1
        var nll = 0.0, smooth = 0.0
        for (row, target) in zip([[1.0, 2, 3, 4], [-1.0, 0, 1, 0.5]], targets) {
            let logTotal = Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))
            nll += -(row[target] - logTotal)
            smooth += row.map { -($0 - logTotal) }.reduce(0, +)
        }
        let expected = ((1 - epsilon) * nll + epsilon / 4 * smooth) / 2
        let loss = CrossEntropy.labelSmoothedLoss(logits: logits, targets: targets, epsilon: 0.1)
        #expect(Swift.abs(Double(loss.item) - expected) < 1e-5)
    }

    @Test func adamFirstStepsByHand() {
        // One parameter, gradient of L = 3p (constant 3): Adam's first step moves by lr·sign(g).
        let parameter = Parameter(Tensor([2]))
        let adam = Adam(parameters: [parameter], learningRate: 0.1, eps: 1e-9, weightDecay: 0.5)
        (parameter.value * 3).sum().backward()
        adam.step()
        // g = 3 + 0.5·2 = 4; m = 0.4, v = 0.016; m̂ = 4, v̂ = 16 ⇒ p = 2 − 0.1·4/(4 + 1e-9).
        #expect(Swift.abs(parameter.value.item - 1.9) < 1e-6)
        adam.zeroGrad()
        (parameter.value * 3).sum().backward()
        adam.step()
        // g = 3 + 0.5·1.9 = 3.95; m = 0.9·0.4 + 0.1·3.95; v = 0.999·0.016 + 0.001·3.95².
        let m = 0.9 * 0.4 + 0.1 * 3.95, v = 0.999 * 0.016 + 0.001 * 3.95 * 3.95
        let update = 0.1 / (1 - 0.81) * m / ((v).squareRoot() / (1 - 0.998001).squareRoot() + 1e-9)
        #expect(Swift.abs(Double(parameter.value.item) - (1.9 - update)) < 1e-5)
    }

    /// The eight-lane update and the scalar tail give every element exactly what the element-wise
    /// formula gives in Float (parameter of 8 + 5 elements: both paths; 2¹⁶ + 13 elements: also
    /// split over the cores, at boundaries that are not multiples of 8 on two cores).
    @Test(arguments: [13, 65_549]) func adamVectorisedUpdateEqualsTheScalarFormula(size: Int) {
        var generator = SeededGenerator(seed: 17)
        let initial = (0..<size).map { _ in generator.nextUniform() * 2 - 1 }
        let gradients = (0..<3).map { _ in (0..<size).map { _ in generator.nextUniform() * 4 - 2 } }
        let parameter = Parameter(Tensor(shape: [size], scalars: initial))
        let (lr, beta1, beta2, eps, decay): (Float, Float, Float, Float, Float) = (1e-2, 0.9, 0.98, 1e-9, 4e-3)
        let adam = Adam(parameters: [parameter], learningRate: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: decay)
        var expected = initial, first = [Float](repeating: 0, count: size), second = first
        for (step, gradient) in gradients.enumerated() {
            adam.zeroGrad()
            (parameter.value * Tensor(shape: [size], scalars: gradient)).sum().backward()
            adam.step()
            let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step + 1)))
            let correction2 = 1 - Float(Foundation.pow(Double(beta2), Double(step + 1)))
            for index in 0..<size {
                let g = gradient[index] + decay * expected[index]
                first[index] = first[index] * beta1 + (1 - beta1) * g
                second[index] = second[index] * beta2 + (1 - beta2) * g * g
                let denominator = second[index].squareRoot() / correction2.squareRoot() + eps
                expected[index] -= (lr / correction1) * (first[index] / denominator)
            }
            #expect(parameter.value.scalars == expected, "step \(step + 1)")
        }
        #expect(adam.firstMoments[0] == first && adam.secondMoments[0] == second)
    }

    @Test func sgdWithWeightDecayAndMomentum() {
        let parameter = Parameter(Tensor([1, -1]))
        let sgd = SGD(parameters: [parameter], learningRate: 0.5, momentum: 0.9, weightDecay: 0.1)
        (parameter.value * parameter.value).sum().backward()   // g = 2p
        sgd.step()
        // d = 2p + 0.1p = 2.1p ⇒ p = p − 0.5·2.1p = −0.05p
        #expect(parameter.value.scalars.map { ($0 * 1e5).rounded() / 1e5 } == [-0.05, 0.05])
        sgd.zeroGrad()
        (parameter.value * parameter.value).sum().backward()
        sgd.step()
        // d = 2.1·(−0.05) = −0.105; b = 0.9·1.05... for p₀ = 1: b₁ = 2.1, b₂ = 0.9·2.1 − 0.105 = 1.785
        #expect(Swift.abs(parameter.value.scalars[0] - (-0.05 - 0.5 * 1.785)) < 1e-6)
    }

    @Test func modulesReportPyTorchKeysAndModes() {
        var generator = SeededGenerator(seed: 1)
        let randomSource = RandomSource(seed: 2)
        let block = FeedForward(inputFeatures: 8, scale: 2, dropout: 0.5, generator: &generator, randomSource: randomSource)
        #expect(block.namedParameters().map(\.name) == ["w_1.weight", "w_1.bias", "w_2.weight", "w_2.bias",
                                                         "layer_norm.weight", "layer_norm.bias"])
        #expect(block.expand.weight.shape == [4, 8])
        let input = Tensor.ones([3, 8])
        block.eval()
        #expect(block(input).scalars == block(input).scalars)   // no dropout in eval mode
        block.train()
        #expect(block(input).scalars != block(input).scalars)
    }
}
