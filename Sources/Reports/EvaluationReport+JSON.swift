import Foundation
import FileOutput

extension EvaluationReport {
    /// The results document: every `CMMetrics` field at the top level under the reference's names
    /// (`overall_accuracy`, `f1_macro`, `sensitivity_class`, … — `*_class` is an array with one value
    /// per class, or a number for two classes as in the reference), `confusion_matrix` (rows = true
    /// class), `roc_auc` = {"0": …, "K-1": …, "micro": …, "macro": …}, `class_names`, and with
    /// `includeLabels` the cases' `y_true` and `y_pred`. NaN values (undefined F1 or AUC) are `null`.
    public func jsonDocument(classNames: [String], includeLabels: Bool = true) -> JSONValue {
        var members: [String: JSONValue] = ["overall_accuracy": .number(metrics.overallAccuracy)]
        for (stem, metric) in metrics.families {
            members[stem + "_micro"] = .number(metric.micro)
            members[stem + "_macro"] = .number(metric.macro)
            members[stem + "_class"] = metrics.isBinary ? .number(metric.perClass[0]) : .array(metric.perClass.map(JSONValue.number))
        }
        members["confusion_matrix"] = .array(confusionMatrix.counts.map { .array($0.map(JSONValue.integer)) })
        members["roc_auc"] = .object(roc.areas.mapValues(JSONValue.number))
        members["class_names"] = .array(classNames.map(JSONValue.string))
        if includeLabels {
            members["y_true"] = .array(predictions.trueLabels.map(JSONValue.integer))
            members["y_pred"] = .array(predictions.predictedLabels.map(JSONValue.integer))
        }
        return .object(members)
    }

    /// Writes ``jsonDocument(classNames:includeLabels:)`` to `url` atomically.
    /// - Throws: ``ReportFileError`` naming `url`.
    public func writeJSON(to url: URL, classNames: [String], includeLabels: Bool = true) throws {
        try AtomicFile.write(jsonDocument(classNames: classNames, includeLabels: includeLabels).serialized(), to: url)
    }
}
