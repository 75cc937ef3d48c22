import Foundation

/// What `hatnet metrics` does: reads a prediction file (`y_true`, `y_prob`, optional `y_pred`),
/// computes the reference evaluator's metrics and ROC AUCs, and writes the results JSON, a CSV
/// table next to it, and optionally the ROC and confusion-matrix plots.
public struct MetricsJob: Sendable {
    /// The prediction file (see ``PredictionSet/init(contentsOf:)``).
    public var input: URL
    /// The results JSON (``EvaluationReport/jsonDocument(classNames:includeLabels:)``); the CSV table
    /// (``EvaluationReport/csvText(classNames:)``) goes to the same path with extension `.csv`.
    public var output: URL
    /// Where `roc.pdf|png` and `confusion_matrix.pdf|png` are written (created if missing); `nil` for no plots.
    public var plotsDirectory: URL?
    /// One name per class; `nil` names them `Class 0`, `Class 1`, …
    public var classNames: [String]?

    public init(input: URL, output: URL, plotsDirectory: URL? = nil, classNames: [String]? = nil) {
        self.input = input
        self.output = output
        self.plotsDirectory = plotsDirectory
        self.classNames = classNames
    }

    /// The files a run wrote.
    public struct Outputs: Sendable {
        public let json: URL
        public let csv: URL
        /// PDF and PNG of each plot, empty without a plots directory.
        public let plots: [URL]
    }

    /// Path of the CSV table for a results path: `R.json` → `R.csv`.
    public var csvOutput: URL { output.deletingPathExtension().appendingPathExtension("csv") }

    /// Runs the job.
    /// - Throws: ``ReportFileError`` naming the input (unreadable, malformed, inconsistent, class
    ///   names that do not match its classes) or the output that could not be written.
    @discardableResult
    public func run() throws -> (report: EvaluationReport, outputs: Outputs) {
        let predictions = try PredictionSet(contentsOf: input)
        let names = classNames ?? EvaluationReport.defaultClassNames(count: predictions.classCount)
        guard names.count == predictions.classCount else {
            throw ReportFileError(path: input.path, problem: "y_prob has \(predictions.classCount) classes but "
                                  + "\(names.count) class names were given (\(names.joined(separator: ", ")))")
        }
        let report = EvaluationReport(predictions: predictions)
        try report.writeJSON(to: output, classNames: names)
        try report.writeCSV(to: csvOutput, classNames: names)
        var plots: [URL] = []
        if let plotsDirectory {
            do {
                try FileManager.default.createDirectory(at: plotsDirectory, withIntermediateDirectories: true)
            } catch {
                throw ReportFileError(path: plotsDirectory.path, problem: "cannot create the plots directory (\(error.localizedDescription))")
            }
            let roc = try ROCPlot(analysis: report.roc, classNames: names).write(to: plotsDirectory.appendingPathComponent("roc"))
            let matrix = try ConfusionMatrixPlot(matrix: report.confusionMatrix, classNames: names)
                .write(to: plotsDirectory.appendingPathComponent("confusion_matrix"))
            plots = [roc.pdf, roc.png, matrix.pdf, matrix.png]
        }
        return (report, Outputs(json: output, csv: csvOutput, plots: plots))
    }
}
