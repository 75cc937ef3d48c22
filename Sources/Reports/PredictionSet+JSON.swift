import Foundation

extension PredictionSet {
    /// Reads and validates a prediction file (``PredictionFile``; `image_ids` and `class_names` are
    /// read but not needed here).
    /// - Throws: ``ReportFileError`` naming the file: unreadable, not JSON, missing or mistyped keys
    ///   (with the key path), or any ``ValidationError``.
    public init(contentsOf url: URL) throws {
        let file = try PredictionFile(contentsOf: url)
        do {
            try self.init(file)
        } catch let error as ValidationError {
            throw ReportFileError(path: url.path, problem: error.description)
        }
    }

    /// Validates the cases of a prediction file.
    /// - Throws: ``ValidationError``.
    public init(_ file: PredictionFile) throws {
        try self.init(trueLabels: file.trueLabels, probabilities: file.probabilities, predictedLabels: file.predictedLabels)
    }
}
