import Foundation
import TestSupport
import Testing
@testable import Reports

/// The prediction file (``PredictionFile``): `hatnet eval` writes it and `hatnet metrics` reads it
/// with the same type, and files of the earlier writer (a `JSONSerialization` dictionary with
/// sorted keys) still read.
@Suite struct PredictionFileTests {
    static let probabilities: [[Double]] = [[0.75, 0.25, 0], [0.1, 0.2, 0.7], [0.2689414322376251, 0.7310585677623749, 0]]

    /// What the writer before ``PredictionFile`` put in `mimodel_predictions_….json`.
    static func legacyText() throws -> String {
        let document: [String: Any] = [
            "image_ids": ["slide_a", "slide/b", "slide_c"], "y_true": [0, 2, 1],
            "y_prob": probabilities, "y_pred": [0, 2, 1], "class_names": ["Benign", "Atypia", "DCIS"],
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    @Test func filesOfTheEarlierWriterStillRead() throws {
        let directory = try TemporaryDirectory()
        let literal = #"{"class_names":["Benign","Atypia"],"image_ids":["a","b"],"y_pred":[0,1],"y_prob":[[0.75,0.25],[0.1,0.9]],"y_true":[0,0]}"# + "\n"
        let file = try PredictionFile(contentsOf: try directory.write(literal, to: "literal.json"))
        #expect(file == PredictionFile(trueLabels: [0, 0], probabilities: [[0.75, 0.25], [0.1, 0.9]], predictedLabels: [0, 1],
                                       imageIDs: ["a", "b"], classNames: ["Benign", "Atypia"]))
        let predictions = try PredictionSet(contentsOf: directory.file("literal.json"))
        #expect(predictions.predictedLabels == [0, 1], "y_pred is taken as written, not recomputed")

        let legacy = try PredictionFile(contentsOf: try directory.write(try Self.legacyText(), to: "legacy.json"))
        #expect(legacy.imageIDs == ["slide_a", "slide/b", "slide_c"])
        #expect(legacy.classNames == ["Benign", "Atypia", "DCIS"])
        #expect(legacy.probabilities == Self.probabilities)
        #expect(try PredictionSet(contentsOf: directory.file("legacy.json")).trueLabels == [0, 2, 1])
        // What `hatnet metrics` runs.
        let (report, _) = try MetricsJob(input: directory.file("legacy.json"), output: directory.file("results.json")).run()
        #expect(report.predictions.count == 3 && report.predictions.classCount == 3)
    }

    @Test func theWriterKeepsTheFormatAndReadsBack() throws {
        let directory = try TemporaryDirectory()
        let predictions = try PredictionSet(trueLabels: [0, 2, 1], probabilities: Self.probabilities)
        let file = PredictionFile(predictions: predictions, imageIDs: ["slide_a", "slide/b", "slide_c"],
                                  classNames: ["Benign", "Atypia", "DCIS"])
        let url = directory.file("predictions.json")
        try file.write(to: url)
        #expect(try PredictionFile(contentsOf: url) == file)
        #expect(try PredictionSet(contentsOf: url) == predictions)

        // The same document as the earlier writer's: keys, values and key order; one line.
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasSuffix("}\n") && text.filter { $0 == "\n" }.count == 1)
        let written = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
        let legacy = try #require(try JSONSerialization.jsonObject(with: Data(try Self.legacyText().utf8)) as? NSDictionary)
        #expect(written == legacy)
        let keys = ["class_names", "image_ids", "y_pred", "y_prob", "y_true"]
        let offsets = keys.map { text.range(of: "\"\($0)\"")!.lowerBound }
        #expect(offsets == offsets.sorted(), "keys are sorted like the earlier writer's")
    }

    @Test func optionalKeysMayBeAbsentButNotMistyped() throws {
        let directory = try TemporaryDirectory()
        let minimal = try PredictionFile(contentsOf: try directory.write(#"{"y_true": [1], "y_prob": [[0.5, 0.5]]}"#, to: "p.json"))
        #expect(minimal.imageIDs == nil && minimal.classNames == nil && minimal.predictedLabels == nil)
        #expect(try minimal.text() == #"{"y_prob":[[0.5,0.5]],"y_true":[1]}"# + "\n")

        let mistyped = try directory.write(#"{"y_true": [1], "y_prob": [[0.5, 0.5]], "class_names": ["a", 2]}"#, to: "bad.json")
        #expect {
            try PredictionSet(contentsOf: mistyped)
        } throws: { error in
            guard let error = error as? ReportFileError else { return false }
            return error.path == mistyped.path && error.problem.hasPrefix("field 'class_names[1]' must be a string")
        }
    }
}
