import FileOutput
import Foundation

extension PredictionSet {
    /// The JSON layout `hatnet metrics` reads: `{"y_true": [N ints], "y_prob": [N rows of K numbers],
    /// "y_pred": [N ints] (optional)}`; other keys (e.g. a previous report's fields) are ignored.
    private struct PredictionFile: Decodable {
        let y_true: [Int]
        let y_prob: [[Double]]
        let y_pred: [Int]?
    }

    /// Reads and validates a prediction file.
    /// - Throws: ``ReportFileError`` naming the file: unreadable, not JSON, missing or mistyped keys
    ///   (with the key path), or any ``ValidationError``.
    public init(contentsOf url: URL) throws {
        let data = try FileContents.read(url, kind: "prediction file")
        let file: PredictionFile
        do {
            file = try JSONDecoder().decode(PredictionFile.self, from: data)
        } catch let error as DecodingError {
            throw ReportFileError(path: url.path, problem: Self.explain(error))
        } catch {
            throw ReportFileError(path: url.path, problem: "is not valid JSON (\(error.localizedDescription))")
        }
        do {
            try self.init(trueLabels: file.y_true, probabilities: file.y_prob, predictedLabels: file.y_pred)
        } catch let error as ValidationError {
            throw ReportFileError(path: url.path, problem: error.description)
        }
    }

    /// A one-line explanation of a decoding failure, with the JSON path (`y_prob[3][1]`).
    private static func explain(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case let .keyNotFound(key, context):
            let parent = path(context.codingPath)
            return "missing key \"\(key.stringValue)\"" + (parent.isEmpty ? "" : " in \(parent)")
                + " (expected y_true: [int], y_prob: [[number]], optional y_pred: [int])"
        case let .typeMismatch(type, context):
            return "\(path(context.codingPath)) has the wrong type: expected \(Self.jsonName(of: type))"
        case let .valueNotFound(type, context):
            return "\(path(context.codingPath)) is null: expected \(Self.jsonName(of: type))"
        case let .dataCorrupted(context):
            let location = path(context.codingPath)
            return (location.isEmpty ? "is not valid JSON" : "\(location) is invalid") + " (\(context.debugDescription))"
        @unknown default:
            return "cannot be decoded (\(error.localizedDescription))"
        }
    }

    private static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer label"
        case is Double.Type: return "a number"
        case is [Int].Type: return "an array of integer labels"
        case is [Double].Type: return "an array of numbers"
        case is [[Double]].Type: return "an array of probability rows"
        default: return "\(type)"
        }
    }
}
