import Checkpoints
import Foundation
import TestSupport
import Testing
@testable import Pipeline
import TensorKit

/// average_checkpoints.py: epoch selection and the element-wise mean.
@Suite struct CheckpointAveragingTests {
    @Test func averageOfTwoCheckpointsIsTheirElementWiseMean() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        var generator = SeededGenerator(seed: 5)
        let first: [(key: String, tensor: Tensor)] = [("a.weight", .normal([3, 4], generator: &generator)), ("b", .normal([5], generator: &generator))]
        let second: [(key: String, tensor: Tensor)] = [("a.weight", .normal([3, 4], generator: &generator)), ("b", .normal([5], generator: &generator))]
        let run = RunDirectory(url: directory.url)
        try RunDirectory.writeStateDict(first, to: run.model(epoch: 3))
        try RunDirectory.writeStateDict(second, to: run.model(epoch: 7))
        try RunDirectory.writeStateDict(first, to: run.model(epoch: 8))
        _ = try directory.write("{\"3\": 75.0, \"7\": 80.0, \"8\": 60.0, \"9\": 90.0}", to: "val_stats_bag_96_word_32_softmax_l2.json")

        let outcome = try CheckpointAveraging.run(checkpointDirectory: directory.url, bestN: 3)
        // Epoch 9 is best but has no model file; 7 and 3 follow.
        #expect(outcome.epochs == [7, 3])
        #expect(outcome.output.lastPathComponent == "averaged_model_best3.safetensors")
        let averaged = try loadStateDict(from: outcome.output)
        #expect(averaged.keys == ["a.weight", "b"])
        for index in 0..<2 {
            let expected = zip(first[index].tensor.scalars, second[index].tensor.scalars).map { ($0 + $1) / 2 }
            #expect(averaged[first[index].key]!.scalars == expected)
            #expect(averaged[first[index].key]!.shape == first[index].tensor.shape)
        }
        let after = try CheckpointAveraging.run(checkpointDirectory: directory.url, bestN: 3, afterEpoch: 5)
        #expect(after.epochs == [7, 8])
        #expect(after.output.lastPathComponent == "averaged_model_best3_after5.safetensors")
        // As the reference: the best two after epoch 5 are 9 and 7, and epoch 9 has no file.
        #expect(throws: TrainingError.self) { try CheckpointAveraging.run(checkpointDirectory: directory.url, bestN: 2, afterEpoch: 5) }
    }

    @Test func selectsTheBestEpochsWithTiesToTheLaterOne() {
        let accuracies = [0: 50.0, 1: 70.0, 2: 70.0, 3: 65.0, 4: 70.0]
        #expect(CheckpointAveraging.selectEpochs(validationAccuracy: accuracies, bestN: 2) == [4, 2])
        #expect(CheckpointAveraging.selectEpochs(validationAccuracy: accuracies, bestN: 4, afterEpoch: 2) == [4, 3])
    }

    @Test func refusesCheckpointsWithDifferentParameters() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        try RunDirectory.writeStateDict([("a", .zeros([2]))], to: directory.file("x.safetensors"))
        try RunDirectory.writeStateDict([("a", .zeros([3]))], to: directory.file("y.safetensors"))
        #expect(throws: TrainingError.self) { try CheckpointAveraging.average([directory.file("x.safetensors"), directory.file("y.safetensors")]) }
    }
}
