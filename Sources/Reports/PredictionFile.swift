import FileOutput
import Foundation

/// The prediction file: the JSON `hatnet eval` writes (`mimodel_predictions_….json`) and
/// `hatnet metrics` reads, with the same code both ways.
///
///     {"class_names": [K strings], "image_ids": [N strings],
///      "y_pred": [N ints], "y_prob": [N rows of K numbers], "y_true": [N ints]}
///
/// Only `y_true` and `y_prob` are required, so the reference evaluator's dumps and hand-written
/// files read too; keys not listed here (e.g. a previous report's `confusion_matrix`) are ignored.
/// Keys are written sorted, one line with a final newline.
public struct PredictionFile: Codable, Equatable, Sendable {
    /// Slide of each case, in the order of `y_true` (written by `hatnet eval`).
    public var imageIDs: [String]?
    /// Class of each case (`y_true`).
    public var trueLabels: [Int]
    /// One row of scores per case (`y_prob`).
    public var probabilities: [[Double]]
    /// Predicted class of each case (`y_pred`); `nil` means the arg-max of each row.
    public var predictedLabels: [Int]?
    /// Name of each class, in column order (written by `hatnet eval`).
    public var classNames: [String]?

    enum CodingKeys: String, CodingKey {
        case imageIDs = "image_ids"
        case trueLabels = "y_true"
        case probabilities = "y_prob"
        case predictedLabels = "y_pred"
        case classNames = "class_names"
    }

    public init(trueLabels: [Int], probabilities: [[Double]], predictedLabels: [Int]? = nil,
                imageIDs: [String]? = nil, classNames: [String]? = nil) {
        self.trueLabels = trueLabels
        self.probabilities = probabilities
        self.predictedLabels = predictedLabels
        self.imageIDs = imageIDs
        self.classNames = classNames
    }

    /// The file of a validated prediction set, with its predicted labels.
    public init(predictions: PredictionSet, imageIDs: [String]? = nil, classNames: [String]? = nil) {
        self.init(trueLabels: predictions.trueLabels, probabilities: predictions.probabilities,
                  predictedLabels: predictions.predictedLabels, imageIDs: imageIDs, classNames: classNames)
    }

    /// Reads a prediction file (not yet validated: see ``PredictionSet/init(contentsOf:)``).
    /// - Throws: ``ReportFileError`` naming the file: unreadable or too large, not JSON, missing or
    ///   mistyped keys (with the key path, e.g. `y_prob[3][1]`).
    public init(contentsOf url: URL) throws {
        let data = try FileContents.read(url, kind: "prediction file")
        do {
            self = try JSONDecoder().decode(PredictionFile.self, from: data)
        } catch {
            let hint = error is DecodingError ? " (expected y_true: [int], y_prob: [[number]], optional y_pred: [int])" : ""
            throw ReportFileError(path: url.path, problem: JSONProblem.describe(error, data: data) + hint)
        }
    }

    /// The file's text: sorted keys on one line, then a newline.
    public func text() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(try text(), to: url)
    }
}
