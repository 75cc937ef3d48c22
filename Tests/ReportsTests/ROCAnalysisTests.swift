import Foundation
import Testing
import TestSupport
@testable import Reports

/// ROC curves and AUCs against scikit-learn (`roc_curve`, `auc`) and utilities/roc_utils.py.
@Suite struct ROCAnalysisTests {
    @Test func everyAUCMatchesTheFixtureWithin1e6() throws {
        let fixture = try ReferenceFixture.metrics()
        let expected = try #require(fixture["roc_auc"] as? [String: Double])
        let predictions = try PredictionSet(contentsOf: ReferenceFixture.metricsURL)
        let areas = ROCAnalysis(trueLabels: predictions.trueLabels, probabilities: predictions.probabilities).areas
        #expect(Set(areas.keys) == Set(expected.keys))
        for key in expected.keys.sorted() {
            expectClose([areas[key] ?? .nan], [expected[key]!], tolerance: 1e-6, "roc_auc[\(key)]")
        }
    }

    @Test func curveFollowsScikitLearnRocCurve() {
        // sklearn.metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]):
        // fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1], thresholds [inf, 0.8, 0.4, 0.35, 0.1]
        let curve = ROCCurve(isPositive: [false, false, true, true], scores: [0.1, 0.4, 0.35, 0.8])
        #expect(curve.falsePositiveRates == [0, 0, 0.5, 0.5, 1])
        #expect(curve.truePositiveRates == [0, 0.5, 0.5, 1, 1])
        #expect(curve.thresholds == [.infinity, 0.8, 0.4, 0.35, 0.1])
        #expect(curve.area == 0.75)
    }

    @Test func collinearPointsAreDroppedAndTiesShareAThreshold() {
        // sklearn: roc_curve([1, 1, 1, 0, 0], [0.9, 0.8, 0.7, 0.5, 0.5]) keeps the first point (0.9), drops
        // 0.8 (collinear on FPR = 0), and the tied 0.5 scores form one point.
        let curve = ROCCurve(isPositive: [true, true, true, false, false], scores: [0.9, 0.8, 0.7, 0.5, 0.5])
        #expect(curve.falsePositiveRates == [0, 0, 0, 1])
        #expect(curve.truePositiveRates == [0, 1.0 / 3, 1, 1])
        #expect(curve.thresholds == [.infinity, 0.9, 0.7, 0.5])
        #expect(curve.area == 1)
    }

    @Test func curveWithoutNegativesIsUndefined() {
        let curve = ROCCurve(isPositive: [true, true], scores: [0.2, 0.9])
        #expect(!curve.isDefined)
        #expect(curve.area.isNaN)
    }

    @Test func interpolationTakesTheLastOfRepeatedPoints() {
        // np.interp(0, [0, 0, 0.5, 1], [0, 0.5, 0.75, 1]) == 0.5; np.interp(0.25, …) == 0.625
        let xs = [0, 0, 0.5, 1.0], ys = [0, 0.5, 0.75, 1.0]
        #expect(PiecewiseLinear.interpolate(at: 0, xs: xs, ys: ys) == 0.5)
        #expect(PiecewiseLinear.interpolate(at: 0.25, xs: xs, ys: ys) == 0.625)
        #expect(PiecewiseLinear.interpolate(at: 1, xs: xs, ys: ys) == 1)
        #expect(PiecewiseLinear.interpolate(at: 2, xs: xs, ys: ys) == 1)
        #expect(PiecewiseLinear.interpolate(at: -1, xs: xs, ys: ys) == 0)
    }
}
