/// A receiver operating characteristic curve with scikit-learn's `roc_curve` semantics
/// (`drop_intermediate=True`), as the reference's `plot_roc` (utilities/roc_utils.py) computes it.
///
/// Points are the (FPR, TPR) pairs at every distinct score used as threshold (`score >= threshold`
/// is positive), from the highest score down, preceded by (0, 0) at threshold +∞. Collinear
/// intermediate points are dropped (points where neither the FP nor the TP count bends). Without
/// negatives (or positives) FPR (or TPR) is NaN everywhere, as in scikit-learn, and so is the area.
public struct ROCCurve: Equatable, Sendable {
    /// False-positive rates, non-decreasing, starting at 0 and ending at 1.
    public let falsePositiveRates: [Double]
    /// True-positive rates, non-decreasing, starting at 0 and ending at 1.
    public let truePositiveRates: [Double]
    /// Score thresholds of the points; the first is +∞ (scikit-learn ≥ 1.3).
    public let thresholds: [Double]

    /// `roc_curve(isPositive, scores)`.
    /// - Precondition: as many labels as scores, at least one case.
    public init(isPositive: [Bool], scores: [Double]) {
        precondition(isPositive.count == scores.count, "\(isPositive.count) labels but \(scores.count) scores")
        precondition(!scores.isEmpty, "a ROC curve needs at least one case")
        // _binary_clf_curve: cases by decreasing score; one point at the last case of each score.
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var falsePositives: [Double] = [], truePositives: [Double] = [], pointScores: [Double] = []
        var positivesSoFar = 0.0
        for (rank, index) in order.enumerated() {
            if isPositive[index] { positivesSoFar += 1 }
            let isLastOfItsScore = rank == order.count - 1 || scores[order[rank + 1]] != scores[index]
            if isLastOfItsScore {
                truePositives.append(positivesSoFar)
                falsePositives.append(Double(rank + 1) - positivesSoFar)
                pointScores.append(scores[index])
            }
        }
        // drop_intermediate: keep the ends and every point where either count's second difference ≠ 0.
        if falsePositives.count > 2 {
            let kept = falsePositives.indices.filter { i in
                if i == 0 || i == falsePositives.count - 1 { return true }
                let fpBend = falsePositives[i + 1] - 2 * falsePositives[i] + falsePositives[i - 1]
                let tpBend = truePositives[i + 1] - 2 * truePositives[i] + truePositives[i - 1]
                return fpBend != 0 || tpBend != 0
            }
            falsePositives = kept.map { falsePositives[$0] }
            truePositives = kept.map { truePositives[$0] }
            pointScores = kept.map { pointScores[$0] }
        }
        falsePositives.insert(0, at: 0)
        truePositives.insert(0, at: 0)
        pointScores.insert(.infinity, at: 0)

        func rates(_ counts: [Double]) -> [Double] {
            guard let total = counts.last, total > 0 else { return counts.map { _ in .nan } }
            return counts.map { $0 / total }
        }
        falsePositiveRates = rates(falsePositives)
        truePositiveRates = rates(truePositives)
        thresholds = pointScores
    }

    /// A curve given by its points (e.g. the macro-average curve), without thresholds.
    public init(falsePositiveRates: [Double], truePositiveRates: [Double]) {
        precondition(falsePositiveRates.count == truePositiveRates.count, "a ROC curve needs as many FPRs as TPRs")
        self.falsePositiveRates = falsePositiveRates
        self.truePositiveRates = truePositiveRates
        self.thresholds = []
    }

    /// True when both rates are defined (the cases contain positives and negatives).
    public var isDefined: Bool {
        !falsePositiveRates.isEmpty && !(falsePositiveRates + truePositiveRates).contains { $0.isNaN }
    }

    /// Area under the curve: scikit-learn's `auc(fpr, tpr)`, the trapezoidal rule; NaN for an
    /// undefined curve.
    public var area: Double {
        guard isDefined else { return .nan }
        return PiecewiseLinear.trapezoidalArea(xs: falsePositiveRates, ys: truePositiveRates)
    }
}
