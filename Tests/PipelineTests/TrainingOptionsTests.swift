import Foundation
import NN
import TestSupport
import Testing
@testable import Pipeline

/// Training options are checked at the library boundary: every number finite and in range, every
/// combination the schedules and the trainer require, and the reference's combinations accepted.
@Suite struct TrainingOptionsTests {
    func options(_ change: (inout TrainingOptions) -> Void = { _ in }) -> TrainingOptions {
        var options = TrainingOptions()
        options.savedir = "/nonexistent/run"
        change(&options)
        return options
    }

    /// The message of the error `options` throws, or `nil` when they pass.
    func failure(_ options: TrainingOptions) -> String? {
        do {
            try options.validate()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The reference's `HybirdLR(base_lr 5e-4, clr_max 61, max_epochs 30, cycle_len 5)` never reaches
    /// its linear part: every epoch is cyclic (values printed by utilities/lr_scheduler.py).
    @Test func hybridScheduleWithClrMaxBeyondTheEpochsIsCyclicAsInTheReference() throws {
        let reference = [0.0005, 0.0025, 0.002, 0.0015, 0.001, 0.0005, 0.0025, 0.002, 0.0015, 0.001]
        for clrMax in [61, 31, 30] {
            let options = self.options { $0.epochs = 30; $0.clrMax = clrMax }
            #expect(failure(options) == nil)
            let rates = options.scheduleOptions.makeSchedule().learningRates(epochs: 30)
            #expect(Array(rates.prefix(10)) == reference, "clr-max \(clrMax): \(rates)")
            #expect(Array(rates.suffix(5)) == [0.0005, 0.0025, 0.002, 0.0015, 0.001], "clr-max \(clrMax)")
        }
        // clr_max 10 reaches the linear part: round(5e-4 − 5e-4 · 1/21, 6) at epoch 10, as the reference prints.
        let mixed = options { $0.epochs = 30; $0.clrMax = 10 }.scheduleOptions.makeSchedule()
        #expect(mixed.learningRate(epoch: 10) == 0.000476 && mixed.learningRate(epoch: 29) == 0.000024)
    }

    /// Every scheduler with the reference's defaults and a short run either builds a schedule or
    /// is refused with the reference's own reason (multistep and clr need a milestone below --epochs).
    @Test func everySchedulerWithShortRunsIsAcceptedOrRefusedClearly() throws {
        for kind in LearningRateScheduleKind.allCases {
            for epochs in [1, 2, 30, 51, 52, 100] {
                let options = self.options { $0.scheduler = kind; $0.epochs = epochs }
                if let message = failure(options) {
                    #expect([.multistep, .clr].contains(kind) && epochs <= 51, "\(kind) \(epochs): \(message)")
                    #expect(message.contains("--scheduler \(kind.rawValue) needs a milestone"))
                } else {
                    let rates = options.scheduleOptions.makeSchedule().learningRates(epochs: epochs)
                    #expect(rates.allSatisfy { $0.isFinite && $0 >= 0 }, "\(kind) \(epochs): \(rates)")
                }
            }
        }
    }

    @Test func nonFiniteAndOutOfRangeValuesNameTheirOption() throws {
        let cases: [(String, (inout TrainingOptions) -> Void)] = [
            ("--lr", { $0.lr = .infinity }), ("--lr", { $0.lr = .nan }), ("--lr", { $0.lr = -1 }), ("--lr", { $0.lr = 1e300 }),
            ("--weight-decay", { $0.weightDecay = .infinity }), ("--weight-decay", { $0.weightDecay = -1 }),
            ("--adam-beta1", { $0.adamBeta1 = .nan }), ("--adam-beta2", { $0.adamBeta2 = 1 }),
            ("--label-smoothing-eps", { $0.labelSmoothingEps = .infinity }),
            ("--dropout", { $0.dropout = .nan }), ("--attn-p", { $0.attnP = 1 }),
            ("--lr-decay", { $0.lrDecay = .nan }), ("--lr-decay", { $0.lrDecay = 0 }),
            ("--lr-decay", { $0.scheduler = .clr; $0.epochs = 100; $0.lrDecay = 2 }),
            ("--lr-decay", { $0.scheduler = .multistep; $0.stepSize = [1]; $0.epochs = 1000; $0.lrDecay = 10 }),
            ("--power", { $0.power = .nan }), ("--power", { $0.scheduler = .poly; $0.power = 1.5 }),
            ("--warm-up-min-lr", { $0.warmUpMinLr = .infinity }),
            ("--cycle-len", { $0.cycleLen = 0 }), ("--clr-max", { $0.clrMax = -1 }),
            ("--step-size", { $0.stepSize = [] }), ("--step-size", { $0.stepSize = [0] }),
            ("--step-size", { $0.stepSize = [30, 20] }),
            ("--epochs", { $0.epochs = 0 }), ("--epochs", { $0.epochs = Int.max }),
            ("--batch-size", { $0.batchSize = 0 }), ("--batch-size", { $0.batchSize = Int.max }),
            ("--accum-count", { $0.accumCount = 0 }), ("--warm-up-iterations", { $0.warmUpIterations = -1 }),
            ("--warm-up-iterations", { $0.warmUpIterations = Int.max }),
            ("--word-size", { $0.wordSize = 0 }), ("--bag-size", { $0.bagSize = Int.max }),
            ("--scale-factor", { $0.scaleFactor = 0 }), ("--scale-multipliers", { $0.scaleMultipliers = [-100] }),
            ("--scale-multipliers", { $0.scaleMultipliers = [Int.max] }), ("--scale-multipliers", { $0.scaleMultipliers = [] }),
            ("--views", { $0.views = 0 }), ("--class-names", { $0.classNames = ["a"] }),
            ("--class-names", { $0.classNames = ["a", "A"] }), ("--class-names", { $0.classNames = ["a", ""] }),
            ("--out-features", { $0.outFeatures = 9; $0.attnHeads = 3 }), ("--attn-heads", { $0.attnHeads = 0 }),
            ("--out-features", { $0.outFeatures = Int.max }), ("--keep-best-k-models", { $0.keepBestKModels = -2 }),
            ("--log-interval", { $0.logInterval = 0 }), ("--savedir", { $0.savedir = "" }),
        ]
        for (option, change) in cases {
            let message = failure(options(change))
            #expect(message?.contains(option) == true, "expected an error naming \(option), got \(message ?? "none")")
        }
        #expect(failure(options()) == nil)
    }

    /// Refused options leave no trace: no run directory is created.
    @Test func refusedOptionsWriteNothing() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        var options = TrainingOptions()
        options.savedir = directory.file("run").path
        options.featureDirectory = directory.file("features").path
        options.lr = .infinity
        #expect(throws: TrainingError.self) { try Trainer.start(options: options) }
        options.lr = 1e-3
        options.epochs = 30  // with the default hybrid scheduler: accepted, then the missing cache is reported
        #expect(throws: PipelineError.self) { try Trainer.start(options: options) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run").path))
    }
}
