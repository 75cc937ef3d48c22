import ArgumentParser
import Foundation
import Reports

/// `hatnet metrics`: the reference evaluator's metrics, ROC AUCs and plots for any model's outputs.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Confusion-matrix metrics, ROC AUCs and plots from a JSON of labels and class probabilities.",
        discussion: """
        The input JSON holds "y_true" (N class indices), "y_prob" (N rows of K probabilities) and \
        optionally "y_pred" (N class indices; default: the most probable class). The output JSON has \
        every field of the reference CMMetrics (sensitivity_micro, f1_macro, sensitivity_class, …), \
        "confusion_matrix" and "roc_auc" ({"0": …, "micro": …, "macro": …}); a CSV table with one row \
        per metric is written next to it (same name, .csv).
        """)

    @Option(help: ArgumentHelp("Prediction JSON with y_true, y_prob and optional y_pred.", valueName: "P.json"))
    var input: String

    @Option(help: ArgumentHelp("Results JSON to write (the CSV table goes next to it).", valueName: "R.json"))
    var output: String

    @Option(help: ArgumentHelp("Directory for roc.pdf/png and confusion_matrix.pdf/png.", valueName: "DIR"))
    var plots: String?

    @Option(help: ArgumentHelp("Comma-separated class names, one per probability column.", valueName: "a,b,c,d"))
    var classNames: ClassNames?

    @Flag(help: "Replace the results JSON, its CSV table and the plots if they exist.")
    var overwrite = false

    func validate() throws {
        _ = try classNames?.validated()
        let job = MetricsJob(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output))
        try requireNewOutput(output, option: "--output", distinctFrom: [(input, "--input")], overwrite: overwrite)
        try requireNewOutput(job.csvOutput.path, option: "--output (its CSV table)", distinctFrom: [(input, "--input")], overwrite: overwrite)
        if let plots {
            // The directory is created when missing; existing plots are replaced only when asked.
            let plotsExist = FileManager.default.fileExists(atPath: plots)
            for name in ["roc.pdf", "roc.png", "confusion_matrix.pdf", "confusion_matrix.png"] {
                let path = URL(fileURLWithPath: plots).appendingPathComponent(name).path
                let inputs = [(input, "--input"), (output, "--output")]
                // Plots go into a directory that may not exist yet (the job creates it).
                if plotsExist {
                    try requireNewOutput(path, option: "--plots", distinctFrom: inputs, overwrite: overwrite)
                } else {
                    try requireOutput(path, option: "--plots", distinctFrom: inputs)
                }
            }
        }
    }

    func run() throws {
        removeStaleTemporaryFiles(nextTo: output)
        let job = MetricsJob(input: URL(fileURLWithPath: input), output: URL(fileURLWithPath: output),
                             plotsDirectory: plots.map { URL(fileURLWithPath: $0, isDirectory: true) },
                             classNames: classNames?.names)
        let (report, outputs) = try job.run()
        let metrics = report.metrics
        print("cases \(report.predictions.count), classes \(report.predictions.classCount): "
              + "accuracy \(String(format: "%.4f", metrics.overallAccuracy)), "
              + "F1 macro \(String(format: "%.4f", metrics.f1.macro)), "
              + "AUC micro \(String(format: "%.4f", report.roc.micro.area)), macro \(String(format: "%.4f", report.roc.macro.area))")
        for url in [outputs.json, outputs.csv] + outputs.plots { print("wrote \(url.path)") }
    }
}
