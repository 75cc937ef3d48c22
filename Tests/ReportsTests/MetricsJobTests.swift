import Foundation
import TestSupport
import Testing
@testable import Reports

/// What `hatnet metrics` runs (``MetricsJob``): the fixture end to end, and malformed inputs, which
/// must give an error naming the file and the problem, never a crash.
@Suite struct MetricsJobTests {
    static let classNames = ["Benign", "Atypia", "DCIS", "Invasive"]

    @Test func fixtureRunWritesResultsTableAndPlots() throws {
        let directory = try TemporaryDirectory()
        let job = MetricsJob(input: ReferenceFixture.metricsURL, output: directory.file("results.json"),
                             plotsDirectory: directory.file("plots"), classNames: Self.classNames)
        let (report, outputs) = try job.run()
        #expect(report.predictions.count == 240)
        #expect(outputs.plots.map(\.lastPathComponent) == ["roc.pdf", "roc.png", "confusion_matrix.pdf", "confusion_matrix.png"])
        #expect(try directory.contents() == ["plots", "results.csv", "results.json"])

        // The JSON has the fixture's fields at the top level, its confusion matrix and its AUCs.
        let fixture = try ReferenceFixture.metrics()
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: outputs.json)) as? [String: Any])
        #expect(written["confusion_matrix"] as? [[Int]] == fixture["confusion_matrix"] as? [[Int]])
        #expect(written["y_true"] as? [Int] == fixture["y_true"] as? [Int])
        #expect(written["y_pred"] as? [Int] == fixture["y_pred"] as? [Int])
        #expect(written["class_names"] as? [String] == Self.classNames)
        let expectedAUC = try #require(fixture["roc_auc"] as? [String: Double])
        let writtenAUC = try #require(written["roc_auc"] as? [String: Double])
        #expect(Set(writtenAUC.keys) == Set(expectedAUC.keys))
        for (key, value) in expectedAUC { expectClose([writtenAUC[key] ?? .nan], [value], tolerance: 1e-6, "roc_auc[\(key)]") }
        let cmMetrics = try #require(fixture["cm_metrics"] as? [String: Any])
        for (name, value) in cmMetrics {
            if let number = value as? Double {
                expectClose([written[name] as? Double ?? .nan], [number], tolerance: 1e-6, name)
            } else {
                expectClose(written[name] as? [Double] ?? [], value as? [Double] ?? [.nan], tolerance: 1e-6, name)
            }
        }

        // The CSV: header, 16 metric families, roc_auc and overall_accuracy.
        let csvLines = try String(contentsOf: outputs.csv, encoding: .utf8).split(separator: "\n")
        #expect(csvLines.count == 19)
        #expect(csvLines.first == "metric,micro,macro,Benign,Atypia,DCIS,Invasive")
        #expect(csvLines[1].hasPrefix("sensitivity,0.69999999997"))
        #expect(csvLines.last == "overall_accuracy,0.6999999999708333,,,,,")
    }

    @Test func predictedLabelsDefaultToTheArgmax() throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write(#"{"y_true": [0, 1, 2, 1], "y_prob": [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.1, 0.6, 0.3], [0.4, 0.4, 0.2]]}"#,
                                        to: "p.json")
        let (report, _) = try MetricsJob(input: input, output: directory.file("r.json")).run()
        #expect(report.predictions.predictedLabels == [0, 1, 1, 0])  // ties go to the first class
        #expect(report.confusionMatrix.counts == [[1, 0, 0], [1, 1, 0], [0, 1, 0]])
        // Class 2 is never predicted correctly: F1 is NaN and written as null.
        let text = try String(contentsOf: directory.file("r.json"), encoding: .utf8)
        #expect(text.contains(#""f1_macro": null"#))
        #expect(text.contains(#""class_names": ["Class 0", "Class 1", "Class 2"]"#))
    }

    /// Runs the job on `json` and returns the error message (or records an issue when it succeeds).
    func failure(for json: String, classNames: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let directory = try TemporaryDirectory()
        let input = try directory.write(json, to: "predictions.json")
        do {
            try MetricsJob(input: input, output: directory.file("r.json"), classNames: classNames).run()
            Issue.record("expected an error for \(json)", sourceLocation: sourceLocation)
            return ""
        } catch let error as ReportFileError {
            #expect(error.path == input.path, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(input.path + ": "), sourceLocation: sourceLocation)
            #expect(try directory.contents() == ["predictions.json"], "nothing written on failure", sourceLocation: sourceLocation)
            return error.problem
        }
    }

    @Test func malformedInputsAreRejectedWithTheFileAndTheProblem() throws {
        #expect(try failure(for: "{ not json").contains("not valid JSON"))
        #expect(try failure(for: "").contains("not valid JSON"))
        #expect(try failure(for: #"{"y_true": [0, 1]}"#).contains("field 'y_prob' is missing"))
        #expect(try failure(for: #"{"y_true": [0, "1"], "y_prob": [[0.5, 0.5], [0.5, 0.5]]}"#).contains("field 'y_true[1]' must be a whole number"))
        #expect(try failure(for: #"{"y_true": [0, 1], "y_prob": [[0.5, 0.5]]}"#) == "y_true has 2 labels but y_prob has 1 rows")
        #expect(try failure(for: #"{"y_true": [0, 1], "y_prob": [[0.5, 0.5], [0.2, 0.3, 0.5]]}"#)
            == "y_prob row 1 has 3 probabilities, expected 2 like row 0")
        #expect(try failure(for: #"{"y_true": [0, 2], "y_prob": [[0.5, 0.5], [0.5, 0.5]]}"#).hasPrefix("y_true[1] = 2 is not a class index in 0..<2"))
        #expect(try failure(for: #"{"y_true": [0, -1], "y_prob": [[0.5, 0.5], [0.5, 0.5]]}"#).hasPrefix("y_true[1] = -1"))
        #expect(try failure(for: #"{"y_true": [0, 1], "y_prob": [[0.5, 0.5], [0.5, 0.5]], "y_pred": [0, 5]}"#).hasPrefix("y_pred[1] = 5"))
        #expect(try failure(for: #"{"y_true": [0, 1], "y_prob": [[0.5, 0.5], [0.5, 0.5]], "y_pred": [0]}"#) == "y_true has 2 labels but y_pred has 1")
        #expect(try failure(for: #"{"y_true": [0], "y_prob": [[1.0]]}"#).contains("at least 2 classes"))
        #expect(try failure(for: #"{"y_true": [], "y_prob": []}"#).contains("no cases"))
        #expect(try failure(for: #"{"y_true": [0, 1], "y_prob": [[0.5, 0.5], [0.5, 0.5]]}"#, classNames: ["a", "b", "c"])
            .contains("2 classes but 3 class names"))
    }

    @Test func unreadableInputAndUnwritableOutputNameTheirFiles() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("missing.json")
        #expect(throws: ReportFileError.self) { try MetricsJob(input: missing, output: directory.file("r.json")).run() }
        do {
            try MetricsJob(input: ReferenceFixture.metricsURL, output: directory.file("no/such/dir/r.json")).run()
            Issue.record("writing into a missing directory must fail")
        } catch let error as ReportFileError {
            #expect(error.path.hasSuffix("no/such/dir/r.json"))
        }
    }
}
