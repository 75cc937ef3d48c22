import Foundation
import Testing
import TestSupport
@testable import Reports

/// `CMMetrics.compute_metrics` parity with metrics_n240_k4.json, plus the reference's edge cases.
@Suite struct ConfusionMatrixMetricsTests {
    static func fixtureReport() throws -> (EvaluationReport, [String: Any]) {
        let fixture = try ReferenceFixture.metrics()
        let predictions = try PredictionSet(contentsOf: ReferenceFixture.metricsURL)
        return (EvaluationReport(predictions: predictions), fixture)
    }

    @Test func confusionMatrixEqualsScikitLearnExactly() throws {
        let (report, fixture) = try Self.fixtureReport()
        let expected = try #require(fixture["confusion_matrix"] as? [[Int]])
        #expect(report.confusionMatrix.counts == expected)
        #expect(report.confusionMatrix.total == 240)
    }

    @Test func everyReferenceFieldMatchesWithin1e6() throws {
        let (report, fixture) = try Self.fixtureReport()
        let expected = try #require(fixture["cm_metrics"] as? [String: Any])
        let actual = report.jsonDocument(classNames: EvaluationReport.defaultClassNames(count: 4), includeLabels: false)
        guard case let .object(members) = actual else { Issue.record("report is not an object"); return }
        #expect(expected.count == 49)
        for (name, value) in expected.sorted(by: { $0.key < $1.key }) {
            let actualValue = try #require(members[name], "missing field \(name)")
            switch (actualValue, value) {
            case let (.number(number), expectedNumber as Double):
                expectClose([number], [expectedNumber], tolerance: 1e-6, name)
            case let (.array(values), expectedValues as [Double]):
                let numbers = values.compactMap { value -> Double? in if case let .number(x) = value { return x } else { return nil } }
                expectClose(numbers, expectedValues, tolerance: 1e-6, name)
            default:
                Issue.record("\(name): \(actualValue) does not have the shape of \(value)")
            }
        }
        let ownFields = Set(members.keys).subtracting(["confusion_matrix", "roc_auc", "class_names"])
        #expect(ownFields == Set(expected.keys), "fields differ: \(ownFields.symmetricDifference(expected.keys))")
    }

    @Test func referenceQuirksAreKept() throws {
        let (report, _) = try Self.fixtureReport()
        // accuracy_micro uses tp+tn+fp+fn as the complement: Σ(tp+tn) / (Σ(tp+tn) + 4·240).
        let correct = 4.0 * 240 - 2 * 72  // every error is one FP and one FN
        #expect(abs(report.metrics.accuracy.micro - correct / (correct + 960 + 1e-8)) < 1e-12)
        #expect(abs(report.metrics.overallAccuracy - 168.0 / 240) < 1e-9)
    }

    @Test func f1IsNaNWhenAClassIsNeverPredictedCorrectly() {
        // Class 2 has cases but is never predicted: precision = recall = 0 → F1 = 0/0 = NaN, as NumPy.
        let matrix = ConfusionMatrix(counts: [[3, 1, 0], [0, 2, 0], [1, 1, 0]])
        let metrics = ConfusionMatrixMetrics(confusionMatrix: matrix)
        #expect(metrics.f1.perClass[2].isNaN)
        #expect(metrics.f1.macro.isNaN)
        #expect(!metrics.f1.micro.isNaN)
        #expect(metrics.precision.perClass[2] == 0)  // ε keeps 0/0 at 0 elsewhere
        #expect(metrics.sensitivity.perClass[2] == 0)
    }

    @Test func twoClassesUseTheReferenceBinaryPath() {
        // [[tn, fp], [fn, tp]] = [[5, 1], [2, 4]]: sensitivity = 4/6, specificity = 5/6.
        let metrics = ConfusionMatrixMetrics(confusionMatrix: ConfusionMatrix(counts: [[5, 1], [2, 4]]))
        #expect(metrics.isBinary)
        #expect(metrics.sensitivity.perClass.count == 1)
        #expect(abs(metrics.sensitivity.perClass[0] - 4.0 / 6) < 1e-8)
        #expect(abs(metrics.specificity.macro - 5.0 / 6) < 1e-8)
        // The reference's overall accuracy on the binary path is tp / N (it sums the scalar tp only).
        #expect(abs(metrics.overallAccuracy - 4.0 / 12) < 1e-8)
    }
}
