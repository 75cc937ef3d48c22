import Checkpoints
import Foundation
import TestSupport
import Testing
@testable import Pipeline
import TensorKit
import Slides
import Synthesis

/// Training on cached synthetic features: it learns, and a resumed run ends where an uninterrupted one does.
@Suite(.serialized) struct TrainerTests {
    /// A small run: 3×3 bags of 3×3 words, F 16, d 32, Adam at a fixed rate.
    func smallOptions(_ splits: SyntheticFeatureCohort.CachedSplits, savedir: URL) -> TrainingOptions {
        var options = TrainingOptions()
        options.featureDirectory = splits.cache.directory.path
        options.trainFile = splits.splitFiles["train"]!.path
        options.valFile = splits.splitFiles["val"]!.path
        options.bagSize = 96
        options.wordSize = 32
        options.scaleMultipliers = [0]
        options.optim = .adam
        options.lr = 2e-3
        options.outFeatures = 32
        options.attnHeads = 4
        options.dropout = 0.1
        options.attnP = 0.1
        options.scheduler = .fixed
        options.logInterval = 1000
        options.savedir = savedir.path
        return options
    }

    @Test func learnsASmallCohortAndWritesTheRunFiles() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try SyntheticFeatureCohort.writeCachedSplits(
            root: directory.url, splitSizes: [("train", 32), ("val", 16)], scales: [WordGridLayout(bagSize: 96, wordSize: 32)],
            features: 16, seed: 7)
        var options = smallOptions(splits, savedir: directory.file("run"))
        options.epochs = 10
        options.keepBestKModels = 2
        let trainer = try Trainer.start(options: options)
        var finished: [Int] = []
        let records = try trainer.train { event in
            if case let .epochFinished(record, _) = event { finished.append(record.epoch) }
        }
        #expect(finished == Array(0..<10))
        let best = records.map(\.validationAccuracy).max() ?? 0
        #expect(best >= 75, "validation accuracy per epoch: \(records.map(\.validationAccuracy)) (chance is 25)")
        #expect(records.last!.trainingLoss < records.first!.trainingLoss)

        let run = trainer.run
        for epoch in 0..<10 { #expect(FileManager.default.fileExists(atPath: run.model(epoch: epoch).path)) }
        for file in [run.checkpointLast, run.modelBest, run.modelConfiguration,
                     run.url.appendingPathComponent(options.configFileName),
                     run.url.appendingPathComponent("val_stats_bag_96_word_32_softmax_l2.json"),
                     run.url.appendingPathComponent("training_log.csv"), run.url.appendingPathComponent("training_log.jsonl")] {
            #expect(FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent) missing")
        }
        #expect(run.bestOfKModels().count == 2)
        let stats = try CheckpointAveraging.readValidationAccuracies(run.url.appendingPathComponent(options.validationStatsFileName))
        #expect(stats == Dictionary(uniqueKeysWithValues: records.map { ($0.epoch, $0.validationAccuracy) }))
        let csv = try String(contentsOf: run.url.appendingPathComponent("training_log.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 11)
        #expect(try TrainingOptions.load(from: run.url.appendingPathComponent(options.configFileName)) == options)
        // The best model is the last epoch with the best accuracy.
        let bestEpoch = records.filter { $0.validationAccuracy == best }.map(\.epoch).max()!
        #expect(try SafeTensorsFile(url: run.modelBest).metadata["epoch"] == "\(bestEpoch)")
        #expect(throws: TrainingError.self) { try Trainer.start(options: options) }
    }

    @Test func resumedRunEndsWithTheWeightsOfAnUninterruptedOne() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let scales = WordGridLayout(bagSize: 96, wordSize: 32).multiScalePairs(scaleFactor: 32, multipliers: [0, 1])
        let splits = try SyntheticFeatureCohort.writeCachedSplits(
            root: directory.url, splitSizes: [("train", 12), ("val", 4)], scales: scales, views: 2, features: 16, seed: 11)
        // Everything random or stateful at once: warm-up, multi-scale, views, dropout, batches,
        // accumulation, class weights and a decaying schedule.
        func options(_ name: String) -> TrainingOptions {
            var options = smallOptions(splits, savedir: directory.file(name))
            options.scaleMultipliers = [0, 1]
            options.views = 2
            options.batchSize = 2
            options.accumCount = 2
            options.warmUp = true
            options.warmUpIterations = 5
            options.classWeights = true
            options.scheduler = .multistep
            options.stepSize = [2]
            options.epochs = 4
            return options
        }
        let uninterrupted = try Trainer.start(options: options("whole"))
        let wholeRecords = try uninterrupted.train()

        let interrupted = try Trainer.start(options: options("split"))
        try interrupted.train(stopAfterEpoch: 1)
        let resumed = try Trainer.resume(directory: directory.file("split"))
        #expect(resumed.nextEpoch == 2)
        var resumedEvent = false
        try resumed.train { event in if case .resumed(afterEpoch: 1, _) = event { resumedEvent = true } }
        #expect(resumedEvent)

        let whole = uninterrupted.model.stateDict(), split = resumed.model.stateDict()
        #expect(whole.map(\.key) == split.map(\.key))
        for (a, b) in zip(whole, split) {
            let difference = zip(a.tensor.scalars, b.tensor.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
            #expect(difference == 0, "\(a.key) differs by \(difference)")
        }
        #expect(resumed.log.records.map(\.validationAccuracy) == wholeRecords.map(\.validationAccuracy))
        #expect(resumed.log.records.map(\.trainingLoss) == wholeRecords.map(\.trainingLoss))
    }

    @Test func reportsMissingFeaturesAndBadOptions() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try SyntheticFeatureCohort.writeCachedSplits(
            root: directory.url, splitSizes: [("train", 4), ("val", 2)], scales: [WordGridLayout(bagSize: 96, wordSize: 32)],
            features: 8, seed: 1)
        var options = smallOptions(splits, savedir: directory.file("run"))
        options.scaleMultipliers = [0, 1]
        do {
            _ = try Trainer.start(options: options)
            Issue.record("missing multi-scale features were not reported")
        } catch let DatasetError.missingFeatures(path, _, imageIDs) {
            #expect(path == splits.splitFiles["train"]!.path)
            #expect(imageIDs == ["train_0", "train_1", "train_2", "train_3"])
        }
        options.scaleMultipliers = [0]
        options.attnHeads = 3
        #expect(throws: TrainingError.invalidOption("--out-features 32 must be a positive multiple of --attn-heads 3")) {
            try Trainer.start(options: options)
        }
        options.attnHeads = 4
        options.scheduler = .multistep
        options.epochs = 10
        #expect(throws: TrainingError.self) { try Trainer.start(options: options) }  // step size 51 > 10 epochs
        #expect(throws: TrainingError.self) { try Trainer.resume(directory: directory.file("nothing-here")) }
    }
}
