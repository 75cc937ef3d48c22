import Foundation
import FileOutput

extension EvaluationReport {
    /// The results as a table, one row per metric:
    ///
    ///     metric,micro,macro,<class name 0>,…,<class name K-1>
    ///     sensitivity,0.7,0.6973,0.7069,0.7288,0.7353,0.6182
    ///     …                       (the 16 CMMetrics families in the reference's order)
    ///     roc_auc,0.8848,0.8843,0.8711,0.8976,0.9265,0.8312
    ///     overall_accuracy,0.7,,,,,
    ///
    /// Row `<stem>` holds the reference fields `<stem>_micro`, `<stem>_macro` and `<stem>_class`;
    /// `overall_accuracy` has its single value in the `micro` column. With two classes the reference
    /// has one class value (positive class 1), which goes in the second class column; the first stays
    /// empty. Numbers use Swift's shortest round-trip form, NaN is an empty cell, and cells that
    /// contain commas or quotes are quoted (RFC 4180).
    public func csvText(classNames: [String]) -> String {
        precondition(classNames.count == predictions.classCount, "\(classNames.count) class names for \(predictions.classCount) classes")
        func cell(_ value: Double) -> String { value.isNaN ? "" : String(describing: value) }
        func classCells(_ values: [Double]) -> [String] {
            metrics.isBinary ? [""] + values.map(cell) : values.map(cell)
        }
        var rows = [["metric", "micro", "macro"] + classNames]
        for (stem, metric) in metrics.families {
            rows.append([stem, cell(metric.micro), cell(metric.macro)] + classCells(metric.perClass))
        }
        rows.append(["roc_auc", cell(roc.micro.area), cell(roc.macro.area)] + roc.perClass.map { cell($0.area) })
        rows.append(["overall_accuracy", cell(metrics.overallAccuracy), ""] + classNames.map { _ in "" })
        return rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Writes ``csvText(classNames:)`` to `url` atomically.
    /// - Throws: ``ReportFileError`` naming `url`.
    public func writeCSV(to url: URL, classNames: [String]) throws {
        try AtomicFile.write(csvText(classNames: classNames), to: url)
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
