import FileOutput
import Foundation
import Reports

/// The figures of an evaluation results file (written by ``Reports/EvaluationReport`` —
/// `hatnet metrics` or `hatnet eval`) that the HTML report shows.
public struct EvaluationSummary: Equatable, Sendable {
    /// One metric family: the value per class and its macro and micro averages (nil where undefined,
    /// e.g. an F1 of 0/0, stored as `null`).
    public struct Row: Equatable, Sendable {
        public let name: String
        public let perClass: [Double?]
        public let macro: Double?
        public let micro: Double?
    }

    public let classNames: [String]
    public let overallAccuracy: Double
    /// Rows in display order: sensitivity, specificity, precision, negative predictive value, F1,
    /// then ROC AUC.
    public let rows: [Row]
    /// Counts, rows = true class, columns = predicted class.
    public let confusionMatrix: [[Int]]

    /// Number of evaluated cases.
    public var caseCount: Int { confusionMatrix.joined().reduce(0, +) }

    /// The metric families shown, as (field stem, display name).
    static let families = [("sensitivity", "Sensitivity (recall)"), ("specificity", "Specificity"),
                           ("precision", "Precision (PPV)"), ("negative_pred_value", "Negative predictive value"),
                           ("f1", "F1 score")]

    /// Reads a results JSON.
    /// - Throws: ``ReportFileError`` naming the file and the missing or mistyped field.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try FileContents.read(url, kind: "results JSON") } catch let error as FileError {
            throw ReportFileError(path: url.path, problem: "cannot read the evaluation results: \(error.problem)")
        }
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ReportFileError(path: url.path, problem: "is not a JSON object of evaluation results")
        }
        func failure(_ problem: String) -> ReportFileError { ReportFileError(path: url.path, problem: problem) }
        let optionalNumber = JSONNumber.value

        guard let matrix = document["confusion_matrix"] as? [[Int]], !matrix.isEmpty, matrix.allSatisfy({ $0.count == matrix.count }) else {
            throw failure("\"confusion_matrix\" is missing or not a square array of counts")
        }
        let classCount = matrix.count
        let names = document["class_names"] as? [String] ?? EvaluationReport.defaultClassNames(count: classCount)
        guard names.count == classCount else {
            throw failure("\"class_names\" has \(names.count) names for a \(classCount)-class confusion matrix")
        }
        guard let accuracy = optionalNumber(document["overall_accuracy"]) else {
            throw failure("\"overall_accuracy\" is missing or not a number")
        }
        var rows: [Row] = []
        for (stem, title) in Self.families {
            let perClassValue = document[stem + "_class"]
            let perClass: [Double?]
            if let values = perClassValue as? [Any] {
                perClass = values.map(optionalNumber)
            } else if let value = optionalNumber(perClassValue), classCount == 2 {
                // The reference stores the binary case as one number (the positive class's value) — shown for both.
                perClass = [value, value]
            } else {
                throw failure("\"\(stem)_class\" is missing or not one number per class")
            }
            guard perClass.count == classCount else {
                throw failure("\"\(stem)_class\" has \(perClass.count) values for \(classCount) classes")
            }
            rows.append(Row(name: title, perClass: perClass, macro: optionalNumber(document[stem + "_macro"]),
                            micro: optionalNumber(document[stem + "_micro"])))
        }
        if let areas = document["roc_auc"] as? [String: Any] {
            rows.append(Row(name: "ROC AUC", perClass: (0..<classCount).map { optionalNumber(areas[String($0)]) },
                            macro: optionalNumber(areas["macro"]), micro: optionalNumber(areas["micro"])))
        }
        classNames = names
        overallAccuracy = accuracy
        self.rows = rows
        confusionMatrix = matrix
    }
}
