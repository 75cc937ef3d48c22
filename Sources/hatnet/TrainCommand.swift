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

    @Option(help: ArgumentHelp("Feature cache directory printed by `hatnet features`.", valueName: "DIR"))
    var features: String?

    @OptionGroup var featureSet: FeatureSetOptions

    @OptionGroup var training: TrainingArguments

    @Option(help: ArgumentHelp("Run directory (default results_bbwsi/<cache>/sch_<scheduler>/<timestamp>).", valueName: "DIR"))
    var savedir: String?
    @Option(help: ArgumentHelp("Continue the run in DIR from its last finished epoch (all other options come from DIR's config).",
                               valueName: "DIR"))
    var resume: String?
    @Flag(help: "Delete the files of an earlier run in --savedir (model_*, checkpoint_last, configs, logs) and start afresh.")
    var overwrite = false

    func validate() throws {
        if resume != nil && overwrite { throw ValidationError("--overwrite starts a new run; it cannot be combined with --resume") }
        if resume == nil {
            guard features != nil else { throw ValidationError("--features DIR is required (or --resume DIR)") }
            try libraryRule { try trainingOptions().validate() }
        }
    }

    /// The options of a new run: every parsed setting over ``TrainingOptions/defaults``.
    private func trainingOptions() -> TrainingOptions {
        var options = TrainingOptions.defaults
        featureSet.apply(to: &options)
        training.apply(to: &options)
        options.featureDirectory = features ?? ""
        let cacheName = URL(fileURLWithPath: features ?? "cache").lastPathComponent
        let timestamp = DateFormatter.runDirectoryTimestamp.string(from: Date())
        options.savedir = savedir ?? "results_bbwsi/\(cacheName)/sch_\(options.scheduler.rawValue)/\(timestamp)"
        return options
    }

    func run() throws {
        let trainer = try resume.map { try Trainer.resume(directory: URL(fileURLWithPath: $0, isDirectory: true)) }
            ?? Trainer.start(options: trainingOptions(), overwrite: overwrite)
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
