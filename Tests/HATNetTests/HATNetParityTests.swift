import Foundation
import Testing
import TestSupport
import Checkpoints
@testable import HATNet
import NN
import TensorKit

/// The Swift model against the authors' PyTorch `MIModel` (shared/fixtures/reference/mimodel_*):
/// forward outputs, attention scores, loss, every parameter gradient, and three Adam steps.
@Suite struct HATNetParityTests {
    static let tags = ["softmax_l2", "tanh_l1"]

    struct Case {
        let model: HATNetModel
        let io: SafeTensorsFile
        let words: Tensor
        let target: Int
        let classWeights: [Float]

        init(tag: String) throws {
            let configuration = try JSONDecoder().decode(
                HATNetConfiguration.self, from: Data(contentsOf: ReferenceFixture.url("mimodel_\(tag).json")))
            model = HATNetModel(configuration: configuration, seed: 0)
            let weights = try ReferenceFixture.open("mimodel_\(tag).safetensors")
            try model.loadStateDict(Dictionary(uniqueKeysWithValues: try weights.names.map { ($0, try weights.tensor(named: $0)) }))
            model.eval()
            io = try ReferenceFixture.open("mimodel_\(tag)_io.safetensors")
            words = try io.tensor(named: "words")
            target = Int(try io.int64s(named: "label").values[0])
            classWeights = try io.tensor(named: "class_weights").scalars
        }

        func loss() -> (loss: Tensor, attention: AttentionScores?) {
            let (logits, attention) = model(words, needAttention: true)
            return (CrossEntropy.loss(logits: logits, targets: [target], classWeights: classWeights), attention)
        }
    }

    @Test(arguments: tags) func stateDictKeysAreThePyTorchOnes(tag: String) throws {
        let testCase = try Case(tag: tag)
        let file = try ReferenceFixture.open("mimodel_\(tag).safetensors")
        let ours = testCase.model.namedParameters().map(\.name)
        #expect(ours.count == 67)
        #expect(Set(ours) == Set(file.names))
    }

    @Test(arguments: tags) func forwardOutputsAndLossMatch(tag: String) throws {
        let testCase = try Case(tag: tag)
        let (logits, attention) = testCase.model(testCase.words, needAttention: true)
        let tolerance = Tolerance(absolute: 1e-4, relative: 1e-4)
        expectClose(logits, try testCase.io.tensor(named: "logits"), tolerance: tolerance, "\(tag) logits")
        let scores = try #require(attention)
        for (name, tensor) in scores.named {
            expectClose(tensor, try testCase.io.tensor(named: name), tolerance: tolerance, "\(tag) \(name)")
        }
        let loss = testCase.loss().loss.reshaped([1])
        expectClose(loss, try testCase.io.tensor(named: "loss"), tolerance: tolerance, "\(tag) loss")
    }

    @Test(arguments: tags) func everyParameterGradientMatches(tag: String) throws {
        let testCase = try Case(tag: tag)
        testCase.loss().loss.backward()
        var checked = 0
        for (name, parameter) in testCase.model.namedParameters() {
            let expected = try testCase.io.tensor(named: "grad.\(name)")
            let gradient = parameter.grad ?? Tensor.zeros(parameter.shape)
            expectClose(gradient, expected, tolerance: Tolerance(absolute: 1e-4, relative: 1e-3), "\(tag) grad.\(name)")
            checked += 1
        }
        #expect(checked == 67)
    }

    @Test(arguments: tags) func threeAdamStepsMatch(tag: String) throws {
        let testCase = try Case(tag: tag)
        let optimizer = Adam(parameters: testCase.model.parameters, learningRate: 1e-3, beta1: 0.9, beta2: 0.999,
                             eps: 1e-9, weightDecay: 4e-6)
        var losses: [Float] = []
        for _ in 0..<3 {
            optimizer.zeroGrad()
            let loss = testCase.loss().loss
            losses.append(loss.item)
            loss.backward()
            optimizer.step()
        }
        let expected = try ReferenceFixture.open("mimodel_\(tag)_adam3.safetensors")
        expectClose(Tensor(losses), try expected.tensor(named: "losses"), tolerance: Tolerance(absolute: 1e-4, relative: 1e-4), "\(tag) losses")
        for (name, parameter) in testCase.model.namedParameters() {
            expectClose(parameter.value, try expected.tensor(named: name), tolerance: Tolerance(absolute: 1e-4, relative: 1e-4), "\(tag) after Adam: \(name)")
        }
    }
}
