import FileOutput
import Foundation
import TestSupport
import Testing
@testable import Pipeline
import TensorKit
import Slides
import Synthesis

/// A run directory has one writer, never mixes two runs, never receives a model with NaN, and a
/// resumed checkpoint is checked field by field.
@Suite(.serialized) struct RunDirectoryIntegrityTests {
    let scale = WordGridLayout(bagSize: 96, wordSize: 32)

    func cohort(_ directory: TemporaryDirectory, train: Int = 8, features: Int = 8) throws -> SyntheticFeatureCohort.CachedSplits {
        try SyntheticFeatureCohort.writeCachedSplits(root: directory.url, splitSizes: [("train", train), ("val", 4)],
                                                     scales: [scale], features: features, seed: 3)
    }

    func options(_ splits: SyntheticFeatureCohort.CachedSplits, savedir: URL, epochs: Int = 2) -> TrainingOptions {
        var options = TrainerTests().smallOptions(splits, savedir: savedir)
        options.epochs = epochs
        return options
    }

    /// The pid of a process that has exited (so a temporary file named after it is stale).
    func deadProcessID() throws -> Int32 {
        try ChildProcess.run(URL(fileURLWithPath: "/bin/true")).processIdentifier
    }

    @Test func aSecondWriterIsRefusedNamingTheHolder() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try cohort(directory)
        let run = directory.file("run")
        // Another process's lock (a second lock object stands for it: flock locks conflict between open files).
        let held = try DirectoryLock.acquire(directory: run, purpose: "hatnet train (the other run)")
        do {
            _ = try Trainer.start(options: options(splits, savedir: run))
            Issue.record("a locked run directory was accepted")
        } catch let TrainingError.badRunDirectory(path, reason) {
            #expect(path == run.path)
            #expect(reason.contains("pid \(getpid())") && reason.contains("the other run"), "\(reason)")
        }
        held.release()
        #expect(try directory.contents().contains("run"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: run.path) == [DirectoryLock.fileName])

        // A started trainer holds the lock until its training returns: a second start and a
        // resume are refused meanwhile.
        let first = try Trainer.start(options: options(splits, savedir: run))
        #expect(throws: TrainingError.self) { try Trainer.start(options: options(splits, savedir: run)) }
        try first.train(stopAfterEpoch: 0)
        let resumed = try Trainer.resume(directory: run)
        #expect(throws: TrainingError.self) { try Trainer.resume(directory: run) }
        try resumed.train()
        #expect(resumed.nextEpoch == 2)
        withExtendedLifetime(first) {}
    }

    @Test func filesOfAnotherRunAreRefusedUnlessOverwrite() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try cohort(directory)
        let run = directory.file("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let foreignBest = Data("another run's best model".utf8)
        try foreignBest.write(to: run.appendingPathComponent("model_best.safetensors"))
        try Data("notes".utf8).write(to: run.appendingPathComponent("notes.txt"))
        do {
            _ = try Trainer.start(options: options(splits, savedir: run))
            Issue.record("a directory with another run's model_best was accepted")
        } catch let TrainingError.badRunDirectory(_, reason) {
            #expect(reason.contains("model_best.safetensors") && reason.contains("--overwrite"), "\(reason)")
        }
        #expect(FileManager.default.contents(atPath: run.appendingPathComponent("model_best.safetensors").path) == foreignBest)

        // A stale temporary file of a killed process goes; --overwrite deletes the run files only.
        let stale = AtomicFile.temporaryFileName(for: "model_0.safetensors", pid: try deadProcessID(), nonce: 42)
        try Data().write(to: run.appendingPathComponent(stale))
        let trainer = try Trainer.start(options: options(splits, savedir: run, epochs: 1), overwrite: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: run.path)
        #expect(!names.contains(stale) && names.contains("notes.txt") && !names.contains("model_best.safetensors"))
        try trainer.train()

        // Two runs one after the other into one directory: the second is refused, the first's files stay.
        let best = FileManager.default.contents(atPath: run.appendingPathComponent("model_best.safetensors").path)
        do {
            _ = try Trainer.start(options: options(splits, savedir: run))
            Issue.record("a second run into a finished run's directory was accepted")
        } catch let TrainingError.badRunDirectory(_, reason) {
            #expect(reason.contains("checkpoint_last.safetensors") && reason.contains("--resume"), "\(reason)")
        }
        #expect(FileManager.default.contents(atPath: run.appendingPathComponent("model_best.safetensors").path) == best)
    }

    @Test func aNonFiniteLossNamesSlideAndEpochAndWritesNoModel() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try cohort(directory)
        // train_5's features are finite but so large that the network's sums overflow.
        let settings = FeatureExtractionSettings(grid: WordGridOptions(), seed: 3)
        let huge = Tensor(shape: [9, 9, 8], scalars: [Float](repeating: 3e38, count: 9 * 9 * 8))
        try splits.cache.write(WordFeatures(words: huge, geometry: SyntheticFeatureCohort.gridGeometry(scale: scale),
                                            tissueFractions: nil, scale: scale, view: 0), imageID: "train_5", settings: settings)
        let run = directory.file("run")
        let trainer = try Trainer.start(options: options(splits, savedir: run))
        do {
            try trainer.train()
            Issue.record("training on an overflowing slide finished")
        } catch let TrainingError.nonFiniteLoss(stage, imageIDs, value) {
            #expect(!value.isFinite)
            #expect(stage.hasPrefix("epoch 0, batch ") && stage.contains("of 8"), "\(stage)")
            #expect(imageIDs == ["train_5"])
            #expect("\(TrainingError.nonFiniteLoss(stage: stage, imageIDs: imageIDs, value: value))".contains("train_5"))
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: run.path)
        #expect(!written.contains { $0.hasPrefix("model_") && $0.hasSuffix(".safetensors") }, "\(written)")
        #expect(!written.contains("checkpoint_last.safetensors"))
    }

    @Test func modelsWithNonFiniteWeightsAreNeverWritten() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let url = directory.file("model_3.safetensors")
        let state: [(key: String, tensor: Tensor)] = [("a", Tensor(shape: [2], scalars: [1, 2])),
                                                      ("b", Tensor(shape: [2, 2], scalars: [0, 1, .nan, 3]))]
        do {
            try RunDirectory.writeStateDict(state, to: url)
            Issue.record("a model holding NaN was written")
        } catch let TrainingError.nonFiniteParameters(file, parameter, index, value) {
            #expect(file == url.path && parameter == "b" && index == [1, 0] && value.isNaN)
        }
        #expect(try directory.contents().isEmpty)
    }

    @Test func everyCheckpointFieldIsChecked() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try cohort(directory)
        let run = directory.file("run")
        try Trainer.start(options: options(splits, savedir: run, epochs: 3)).train(stopAfterEpoch: 0)
        let checkpointURL = RunDirectory(url: run).checkpointLast
        let original = try Data(contentsOf: checkpointURL)
        let model = try Trainer.resume(directory: run).model
        let good = try TrainingCheckpoint(contentsOf: checkpointURL, model: model)

        func expectRefused(_ field: String, _ change: (inout TrainingCheckpoint) -> Void) throws {
            var checkpoint = good
            change(&checkpoint)
            try checkpoint.write(to: checkpointURL)
            do {
                _ = try Trainer.resume(directory: run)
                Issue.record("a checkpoint with a bad \(field) was accepted")
            } catch let TrainingError.badRunDirectory(path, reason) {
                #expect(path == checkpointURL.path)
                #expect(reason.contains(field), "\(reason)")
            }
        }
        try expectRefused("epoch") { $0.epoch = -5 }
        try expectRefused("epoch") { $0.epoch = 3 }  // the run has epochs 0…2
        try expectRefused("best_perf") { $0.bestAccuracy = .nan }
        try expectRefused("best_perf") { $0.bestAccuracy = 250 }
        try expectRefused("rng.data") { $0.dataGeneratorState = [0, 0, 0, 0] }
        try expectRefused("optimizer.step") { $0.adamState?.stepCount = -1 }
        try expectRefused("optimizer.exp_avg_sq.") { $0.adamState?.secondMoments[0][0] = -1 }
        try expectRefused("non-finite") { $0.modelState[0].tensor = Tensor(shape: $0.modelState[0].tensor.shape,
                                                                              scalars: [Float](repeating: .nan, count: $0.modelState[0].tensor.scalars.count)) }
        try original.write(to: checkpointURL)
        #expect(try Trainer.resume(directory: run).nextEpoch == 1)
    }
}
