import ArgumentParser
import Foundation
import NN
import Pipeline

/// `hatnet train`: the reference's main_training.py on cached word features.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the HATNet attention network on cached word features (see `hatnet features`).",
        discussion: """
        Options and defaults are the reference's (config/opts.py). The released models used \
        training_script.sh's settings, i.e.
          --bag-size 1792 --word-size 256 --optim adam --lr 1e-4 --scheduler multistep --step-size 51 \
        --lr-decay 0.5 --epochs 100 --accum-count 8 --warm-up --warm-up-iterations 600 --attn-heads 4 \
        --out-features 256 --dropout 0.4 --class-weights

        Every epoch writes into --savedir: checkpoint_last.safetensors (model, optimizer, epoch, best \
        accuracy, random generators), model_<epoch>.safetensors, model_best.safetensors, the validation \
        accuracy per epoch (val_stats_*.json), training_log.csv/.jsonl and the full config \
        (mimodel_config_*.json). Ctrl-C loses at most the epoch in progress; \
        `hatnet train --resume DIR` continues and ends with the same weights as an uninterrupted run.

        The run directory is locked while training (a second `train` into it is refused, naming the \
        process). A --savedir that already holds files of another run (model_*, checkpoint_last, \
        configs, logs) is refused unless --overwrite, which deletes those files first. Every option \
        is checked before anything is written; a batch whose loss is not finite stops the run, naming \
        the epoch, batch and slides, and no model with NaN or infinite weights is ever written.
        """)

    // MARK: Data
    @Option(help: ArgumentHelp("Feature cache directory printed by `hatnet features`.", valueName: "DIR"))
    var features: String?
    @Option(help: "Training split file (image_id,label lines).")
    var trainFile = "train.txt"
    @Option(help: "Validation split file.")
    var valFile = "val.txt"
    @Option(help: "Test split file (recorded in the config for `hatnet eval`).")
    var testFile = "test.txt"
    @Option(help: "Augmented views per slide in the cache (`hatnet features --views`); training draws one per slide.")
    var views = 1
    @Option(help: ArgumentHelp("Comma-separated class names, one per label index.", valueName: "a,b,…"))
    var classNames = SlideClasses.defaultNames.joined(separator: ",")
    @Option(help: "Bag size in pixels.")
    var bagSize = 1024
    @Option(help: "Word size in pixels.")
    var wordSize = 256
    @Option(help: "Word-size step of multi-scale training.")
    var scaleFactor = 32
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Comma-separated multipliers m: training scales use words of word-size + scale-factor·m (0 alone: single scale).",
                               valueName: "m,m,…"))
    var scaleMultipliers = "-2,-1,0,1,2"
    @Option(help: "Slides per batch.")
    var batchSize = 1

    // MARK: Optimizer and loss
    @Option(help: "Optimizer: sgd | adam.")
    var optim: TrainingOptions.OptimizerKind = .sgd
    @Option(help: "Adam β₁.") var adamBeta1 = 0.9
    @Option(help: "Adam β₂.") var adamBeta2 = 0.999
    @Option(help: "Initial learning rate.") var lr = 0.0005
    @Option(help: "Weight decay (L2, added to the gradient).") var weightDecay = 4e-6
    @Option(help: "Batches whose gradients are summed before each optimizer step.") var accumCount = 1
    @Option(help: "Loss function (ce: cross-entropy).") var lossFn = "ce"
    @Flag(help: "Label-smoothed cross-entropy (class weights are then not used, as in the reference).") var labelSmoothing = false
    @Option(help: "Label smoothing ε.") var labelSmoothingEps = 0.1
    @Flag(help: "Weight classes by log(1 / frequency) in the training split.") var classWeights = false

    // MARK: Model
    @Option(help: "Width d of the attention network.") var outFeatures = 128
    @Option(help: "Attention heads (must divide --out-features).") var attnHeads = 2
    @Option(help: "Dropout.") var dropout = 0.4
    @Option(help: "Dropout on the word and bag attention weights.") var attnP = 0.2
    @Option(help: "Energy reduction: l1 | l2 | avg.") var attnType: EnergyReductionArgument = .l2
    @Option(help: "Attention function: softmax | sigmoid | tanh.") var attnFn: AttentionFunctionArgument = .softmax
    @Option(help: "Also keep model_best_<epoch>_<acc> for the k best epochs (-1: off).") var keepBestKModels = -1

    // MARK: Schedule
    @Option(help: "LR scheduler: multistep | fixed | clr | hybrid | cosine | poly | linear.")
    var scheduler: LearningRateScheduleKind = .hybrid
    @Option(parsing: .upToNextOption, help: "Step size (one value: every n epochs) or milestones (several values).")
    var stepSize: [Int] = [51]
    @Option(help: "Factor the LR is multiplied by at each step.") var lrDecay = 0.5
    @Option(help: "Cycle length of clr and hybrid.") var cycleLen = 5
    @Option(help: "Epochs of cyclic LR in hybrid.") var clrMax = 61
    @Option(help: "Power of the poly schedule.") var power = 0.9
    @Flag(help: "Linear LR warm-up from 1e-7 before the first epoch.") var warmUp = false
    @Option(help: "Warm-up iterations (rounded up to whole epochs).") var warmUpIterations = 2000

    // MARK: General
    @Option(help: "Training epochs.") var epochs = 100
    @Option(help: "Random seed (initialisation, data order, scales, views, dropout).") var seed: UInt64 = 1882
    @Option(help: "Batches between progress lines.") var logInterval = 5
    @Option(help: ArgumentHelp("Run directory (default results_bbwsi/<cache>/sch_<scheduler>/<timestamp>).", valueName: "DIR"))
    var savedir: String?
    @Option(help: ArgumentHelp("Continue the run in DIR from its last finished epoch (all other options come from DIR's config).",
                               valueName: "DIR"))
    var resume: String?
    @Flag(help: "Delete the files of an earlier run in --savedir (model_*, checkpoint_last, configs, logs) and start afresh.")
    var overwrite = false

    func validate() throws {
        if resume == nil && features == nil { throw ValidationError("--features DIR is required (or --resume DIR)") }
        if resume != nil && overwrite { throw ValidationError("--overwrite starts a new run; it cannot be combined with --resume") }
        guard (try? parsedMultipliers()) != nil else {
            throw ValidationError("--scale-multipliers must be comma-separated integers, got \"\(scaleMultipliers)\"")
        }
    }

    private func parsedMultipliers() throws -> [Int] {
        try scaleMultipliers.split(separator: ",").map { text in
            guard let value = Int(String(text).trimmingCharacters(in: .whitespaces)) else { throw ValidationError("not an integer: \(text)") }
            return value
        }
    }

    private func trainingOptions() throws -> TrainingOptions {
        var options = TrainingOptions()
        options.featureDirectory = features ?? ""
        options.trainFile = trainFile
        options.valFile = valFile
        options.testFile = testFile
        options.views = views
        options.classNames = classNames.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.bagSize = bagSize
        options.wordSize = wordSize
        options.scaleFactor = scaleFactor
        options.scaleMultipliers = try parsedMultipliers()
        options.batchSize = batchSize
        options.optim = optim
        options.adamBeta1 = adamBeta1
        options.adamBeta2 = adamBeta2
        options.lr = lr
        options.weightDecay = weightDecay
        options.accumCount = accumCount
        options.lossFn = lossFn
        options.labelSmoothing = labelSmoothing
        options.labelSmoothingEps = labelSmoothingEps
        options.classWeights = classWeights
        options.outFeatures = outFeatures
        options.attnHeads = attnHeads
        options.dropout = dropout
        options.attnP = attnP
        options.attnType = attnType.value
        options.attnFn = attnFn.value
        options.keepBestKModels = keepBestKModels
        options.scheduler = scheduler
        options.stepSize = stepSize
        options.lrDecay = lrDecay
        options.cycleLen = cycleLen
        options.clrMax = clrMax
        options.power = power
        options.warmUp = warmUp
        options.warmUpIterations = warmUpIterations
        options.epochs = epochs
        options.seed = seed
        options.logInterval = logInterval
        let cacheName = URL(fileURLWithPath: features ?? "cache").lastPathComponent
        let timestamp = DateFormatter.runDirectoryTimestamp.string(from: Date())
        options.savedir = savedir ?? "results_bbwsi/\(cacheName)/sch_\(scheduler.rawValue)/\(timestamp)"
        return options
    }

    func run() throws {
        let trainer = try resume.map { try Trainer.resume(directory: URL(fileURLWithPath: $0, isDirectory: true)) }
            ?? Trainer.start(options: try trainingOptions(), overwrite: overwrite)
        let options = trainer.options
        print("run directory \(trainer.run.url.path)")
        print("training \(trainer.training.count) slides at \(trainer.training.scales.map(\.description).joined(separator: ", ")); "
              + "validating \(trainer.validation.count) at \(options.baseScale); F \(trainer.training.featureCount), "
              + "\(trainer.model.parameters.reduce(0) { $0 + $1.value.count }) parameters")
        if let weights = trainer.classWeights {
            print("class weights " + zip(options.classNames, weights).map { "\($0) \($1)" }.joined(separator: ", "))
        }
        print("Ctrl-C stops the run; `hatnet train --resume \(trainer.run.url.path)` continues after the last finished epoch")
        let line = ProgressLine()
        try trainer.train { event in
            switch event {
            case let .resumed(epoch, best):
                print("resuming after epoch \(epoch) (best validation accuracy \(String(format: "%.2f", best)))")
            case let .warmUp(iteration, iterations, learningRate, loss):
                line.update("warm-up \(iteration)/\(iterations)  lr \(String(format: "%.2e", learningRate))  loss \(String(format: "%.4f", loss))",
                            force: iteration == iterations)
                if iteration == iterations { line.finish() }
            case let .batch(epoch, batch, batches, loss, accuracy, learningRate, elapsed):
                let remaining = elapsed / Double(batch) * Double(batches - batch)
                line.update("epoch \(epoch) [\(batch)/\(batches)]  loss \(String(format: "%.4f", loss))  acc \(String(format: "%.2f", accuracy))  "
                            + "lr \(String(format: "%.2e", learningRate))  \(String(format: "%.1f", elapsed)) s, ETA \(String(format: "%.1f", remaining)) s")
            case let .epochFinished(record, isBest):
                line.finish()
                print("epoch \(record.epoch): train loss \(String(format: "%.4f", record.trainingLoss)) acc \(String(format: "%.2f", record.trainingAccuracy)) | "
                      + "val loss \(String(format: "%.4f", record.validationLoss)) acc \(String(format: "%.2f", record.validationAccuracy))"
                      + "\(isBest ? " (best)" : "") | \(String(format: "%.1f", record.seconds)) s")
            }
        }
        print("done: best validation accuracy \(String(format: "%.2f", trainer.bestAccuracy)); weights in \(trainer.run.modelBest.path)")
    }
}

extension DateFormatter {
    /// `20200324-181214`, the reference's run-directory timestamp (`time.strftime("%Y%m%d-%H%M%S")`).
    static let runDirectoryTimestamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
}
