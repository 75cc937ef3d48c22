import FileOutput
import Foundation
import HATNet
import TestSupport
import Testing
@testable import Pipeline
import TensorKit
import Slides
import Synthesis

/// `eval` and `average` outputs: locked while written, never one of the inputs.
@Suite struct OutputDirectoryTests {
    let base = WordGridLayout(bagSize: 96, wordSize: 32)

    func evaluator(_ directory: TemporaryDirectory) throws -> Evaluator {
        let splits = try SyntheticFeatureCohort.writeCachedSplits(root: directory.url, splitSizes: [("test", 4)], scales: [base],
                                                                  features: 8, seed: 3)
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: 8, outFeatures: 16, numBagsWords: 3), seed: 9)
        let test = try SplitFile(contentsOf: splits.splitFiles["test"]!, classNames: SlideClasses.defaultNames)
        return try Evaluator(model: model, classNames: SlideClasses.defaultNames, test: test, cache: splits.cache,
                             baseScale: base, multiScale: nil)
    }

    @Test func evaluationNeverOverwritesAnInputAndLocksItsDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let evaluator = try evaluator(directory)
        let output = directory.file("out")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        // Weights that happen to carry an output's name (here through a symbolic link).
        let weights = directory.file("weights.safetensors")
        try Data("weights".utf8).write(to: weights)
        let clash = evaluator.outputFiles(in: output)[0]
        try FileManager.default.createSymbolicLink(at: clash, withDestinationURL: weights)
        do {
            _ = try evaluator.run(outputDirectory: output, inputs: [(weights.path, "--weights")])
            Issue.record("an output replacing --weights was written")
        } catch let error as FileError {
            #expect(error.path == clash.path && error.problem.contains("--weights"), "\(error)")
        }
        #expect(try Data(contentsOf: weights) == Data("weights".utf8))
        try FileManager.default.removeItem(at: clash)

        // Another writer holds the directory.
        let held = try DirectoryLock.acquire(directory: output, purpose: "hatnet eval (the other one)")
        do {
            _ = try evaluator.run(outputDirectory: output)
            Issue.record("a locked output directory was written")
        } catch let TrainingError.badRunDirectory(path, reason) {
            #expect(path == output.path && reason.contains("the other one"))
        }
        held.release()
        // A file where the directory should be.
        #expect(throws: TrainingError.self) { try evaluator.run(outputDirectory: weights) }
        #expect(try evaluator.run(outputDirectory: output).count == 1)
    }

    @Test func averagingLocksTheRunDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let run = RunDirectory(url: directory.url)
        try RunDirectory.writeStateDict([("a", .zeros([2]))], to: run.model(epoch: 0))
        try RunDirectory.writeStateDict([("a", .ones([2]))], to: run.model(epoch: 1))
        _ = try directory.write("{\"0\": 50.0, \"1\": 60.0}", to: "val_stats_bag_96_word_32_softmax_l2.json")
        let held = try DirectoryLock.acquire(directory: directory.url, purpose: "hatnet train")
        #expect(throws: TrainingError.self) { try CheckpointAveraging.run(checkpointDirectory: directory.url, bestN: 2) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("averaged_model_best2.safetensors").path))
        held.release()
        #expect(try CheckpointAveraging.run(checkpointDirectory: directory.url, bestN: 2).epochs == [1, 0])
    }
}
