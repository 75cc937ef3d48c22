import Foundation
import Testing
import Checkpoints
import TensorKit

/// The reference `.pth` files load to exactly the tensors of their `.safetensors` twins.
@Suite struct PyTorchFixtureTests {
    static let models = [
        "mimodel_softmax_l2", "mimodel_tanh_l1",
        "encoder_mobilenetv2_w0.5", "encoder_mnasnet_a0.5", "encoder_espnetv2_s0.5",
    ]

    @Test(arguments: models)
    func pthMatchesSafeTensorsBitwise(_ model: String) throws {
        let pthURL = ReferenceFixtures.url("\(model).pth")
        #expect(try CheckpointFormat.detect(at: pthURL) == .pyTorchZip)
        let fromPyTorch = try loadStateDict(from: pthURL)
        let fromSafeTensors = try loadStateDict(from: ReferenceFixtures.url("\(model).safetensors"))
        #expect(Set(fromPyTorch.keys) == Set(fromSafeTensors.keys))
        #expect(fromPyTorch.count == fromSafeTensors.count)
        for (key, expected) in fromSafeTensors.entries {
            let actual = try #require(fromPyTorch.value(forKey: key), "\(model): missing \(key)")
            expectBitwiseEqual(actual, expected, "\(model): \(key)")
        }
    }

    @Test func mimodelKeepsModuleOrderAndShapes() throws {
        let stateDict = try PyTorchCheckpoint.loadStateDict(from: ReferenceFixtures.url("mimodel_softmax_l2.pth"))
        #expect(stateDict.count == 67)
        #expect(stateDict.keys.first == "project_cnn_words.weight")
        #expect(stateDict["project_cnn_words.weight"]?.shape == [64, 96])
        #expect(stateDict["bag_word_wt.weight"]?.shape == [9, 9])
    }

    @Test func batchNormCountersStayInt64() throws {
        let stateDict = try loadStateDict(from: ReferenceFixtures.url("encoder_mobilenetv2_w0.5.pth"))
        let counters = stateDict.keys.filter { $0.hasSuffix("num_batches_tracked") }
        #expect(!counters.isEmpty)
        for key in counters {
            #expect(stateDict.integerTensor(forKey: key)?.shape == [], "\(key)")
            #expect(stateDict[key]?.shape == [], "\(key) converts to a Float tensor too")
        }
    }
}

/// Exact equality of two state-dict values; on mismatch, records the largest difference.
func expectBitwiseEqual(_ actual: StateDict.Value, _ expected: StateDict.Value, _ label: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    switch (actual, expected) {
    case let (.float(actualTensor), .float(expectedTensor)):
        #expect(actualTensor.shape == expectedTensor.shape, "\(label): shape", sourceLocation: sourceLocation)
        guard actualTensor.shape == expectedTensor.shape else { return }
        if actualTensor.scalars.map(\.bitPattern) != expectedTensor.scalars.map(\.bitPattern) {
            let maxDifference = zip(actualTensor.scalars, expectedTensor.scalars).map { abs($0 - $1) }.max() ?? 0
            Issue.record("\(label): values differ, max |difference| \(maxDifference)", sourceLocation: sourceLocation)
        }
    case let (.integer(actualIntegers), .integer(expectedIntegers)):
        #expect(actualIntegers == expectedIntegers, "\(label)", sourceLocation: sourceLocation)
    default:
        Issue.record("\(label): one value is integer, the other floating", sourceLocation: sourceLocation)
    }
}
