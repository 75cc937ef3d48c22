import ArgumentParser
import Foundation
import Pipeline

/// `hatnet eval`: the reference's main_evaluation.py on cached word features.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained model on a test split: metrics JSON/CSV, ROC and confusion-matrix plots.",
        discussion: """
        Reads the run's config for the model, bag/word size, class names and feature cache; the options \
        below override them. For every evaluated scale (and, with --msc-eval, the maximum and the average \
        of the logits over scales) writes mimodel_results_<fn>_<type>_<split>_<postfix>.json and .csv \
        (every CMMetrics field, confusion matrix, labels, ROC AUCs), mimodel_cmat_… and mimodel_roc_… \
        (.pdf and .png), and mimodel_predictions_….json (y_true, y_prob for `hatnet metrics`).
        """)

    @Option(help: ArgumentHelp("Run directory of `hatnet train`.", valueName: "DIR"))
    var model: String

    @Option(help: ArgumentHelp("Weights to evaluate (.safetensors or .pth; default DIR/model_best.safetensors).", valueName: "FILE"))
    var weights: String?

    @Option(help: "Test split file (default: the run's --test-file).")
    var testFile: String?

    @Option(help: ArgumentHelp("Feature cache directory (default: the run's).", valueName: "DIR"))
    var features: String?

    @Flag(help: "Multi-scale evaluation: every training scale, plus their max and average.")
    var mscEval = false

    @Option(help: ArgumentHelp("Where to write the results (default DIR/eval_<split>).", valueName: "OUT"))
    var savedir: String?

    func run() throws {
        let trained = try TrainedRun(directory: URL(fileURLWithPath: model, isDirectory: true))
        let options = trained.options
        let network = try trained.loadModel(weights: weights.map { URL(fileURLWithPath: $0) })
        let weightsPath = weights ?? trained.directory.modelBest.path
        let test = try SplitFile(contentsOf: URL(fileURLWithPath: testFile ?? options.testFile), classNames: options.classNames)
        let cache = try FeatureCache(directory: URL(fileURLWithPath: features ?? options.featureDirectory, isDirectory: true))
        let evaluator = try Evaluator(model: network, classNames: options.classNames, test: test, cache: cache,
                                      baseScale: options.baseScale,
                                      multiScale: mscEval ? (options.scaleFactor, options.scaleMultipliers) : nil,
                                      trainingFeatures: trained.trainingFeatureFile())
        let output = URL(fileURLWithPath: savedir ?? trained.directory.url.appendingPathComponent("eval_\(test.name)").path, isDirectory: true)
        let line = ProgressLine()
        let inputs = [(weightsPath, "--weights"), (trained.directory.modelConfiguration.path, "the run's model_configuration.json")]
        let results = try evaluator.run(outputDirectory: output, inputs: inputs) { line.update($0) }
        line.finish()
        for result in results {
            let metrics = result.report.metrics
            print("\(result.postfix): accuracy \(String(format: "%.4f", metrics.overallAccuracy)), F1 macro \(String(format: "%.4f", metrics.f1.macro)), "
                  + "AUC micro \(String(format: "%.4f", result.report.roc.micro.area)), macro \(String(format: "%.4f", result.report.roc.macro.area))")
        }
        print("wrote \(results.reduce(0) { $0 + $1.files.count }) files to \(output.path)")
    }
}
