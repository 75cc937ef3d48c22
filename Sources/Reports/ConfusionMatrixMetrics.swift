/// Every metric of the reference's `CMMetrics.compute_metrics` (metrics/cmat_metrics.py, definitions
/// after Tharwat, "Classification assessment methods", doi:10.1016/j.aci.2018.08.003), computed the
/// same way, including its quirks:
///
/// - Every per-class ratio adds ε = 1e-8 to its denominator, so a class without cases gives 0, not NaN.
/// - F1 is `2·p·r / (p + r)` **without** ε: when precision and recall are both 0 it is NaN (0/0), and
///   then `f1_macro` is NaN too. JSON output writes NaN as `null`.
/// - `accuracy_micro` is Σ(TP+TN) / (Σ(TP+TN) + Σ(TP+TN+FP+FN) + ε) — about half the real accuracy;
///   the reference passes `tp + tn + fp + fn` as the complement. Kept for parity; ``overallAccuracy``
///   is the usual accuracy.
/// - `diagnostic_odd_ratio_micro` is Σ(TP·TN) / (Σ(TP·TN) + Σ(FP·FN) + ε), a ratio in [0, 1].
/// - Likelihood ratios and Youden's index are derived from TPR/TNR: micro from the micro rates,
///   macro as the mean of the per-class values.
/// - With two classes the reference reads the matrix as `tn, fp, fn, tp` (class 1 positive): every
///   `*_class` field is then one number (``isBinary``), written as a scalar in JSON as the reference does,
///   and `overall_accuracy` becomes TP₁ / N (the reference sums only the positive class's TP).
public struct ConfusionMatrixMetrics: Equatable, Sendable {
    /// ε added to denominators (`CMMetrics.eps`).
    public static let epsilon = 1e-8

    /// True when the matrix is 2×2 and the reference's binary path applies (one value per metric).
    public let isBinary: Bool
    /// `overall_accuracy`: Σ TP / (N + ε).
    public let overallAccuracy: Double
    public let sensitivity: AveragedMetric
    public let specificity: AveragedMetric
    public let precision: AveragedMetric
    public let recall: AveragedMetric
    public let f1: AveragedMetric
    public let accuracy: AveragedMetric
    public let truePositiveRate: AveragedMetric
    public let trueNegativeRate: AveragedMetric
    public let falsePositiveRate: AveragedMetric
    public let falseNegativeRate: AveragedMetric
    public let positivePredictiveValue: AveragedMetric
    public let negativePredictiveValue: AveragedMetric
    public let negativeLikelihoodRatio: AveragedMetric
    public let positiveLikelihoodRatio: AveragedMetric
    public let diagnosticOddsRatio: AveragedMetric
    public let youdenIndex: AveragedMetric

    /// `CMMetrics().compute_metrics(conf_mat)`.
    /// - Precondition: at least two classes (the reference fails on a 1×1 matrix).
    public init(confusionMatrix matrix: ConfusionMatrix) {
        precondition(matrix.classCount >= 2, "confusion-matrix metrics need at least two classes")
        let epsilon = Self.epsilon
        let tp, fp, fn, tn: [Double]
        if matrix.classCount == 2 {
            // conf_mat.ravel() = tn, fp, fn, tp: one-vs-rest for the positive class 1.
            isBinary = true
            tn = [Double(matrix.counts[0][0])]
            fp = [Double(matrix.counts[0][1])]
            fn = [Double(matrix.counts[1][0])]
            tp = [Double(matrix.counts[1][1])]
        } else {
            isBinary = false
            tp = matrix.truePositives.map(Double.init)
            fp = matrix.falsePositives.map(Double.init)
            fn = matrix.falseNegatives.map(Double.init)
            tn = matrix.trueNegatives.map(Double.init)
        }

        sensitivity = .ratio(tp, fn, epsilon: epsilon)
        specificity = .ratio(tn, fp, epsilon: epsilon)
        precision = .ratio(tp, fp, epsilon: epsilon)
        recall = .ratio(tp, fn, epsilon: epsilon)

        func f1Score(_ precision: Double, _ recall: Double) -> Double { 2 * precision * recall / (precision + recall) }
        let f1PerClass = zip(precision.perClass, recall.perClass).map(f1Score)
        f1 = AveragedMetric(micro: f1Score(precision.micro, recall.micro), macro: AveragedMetric.mean(f1PerClass),
                            perClass: f1PerClass)

        let correct = zip(tp, tn).map(+)
        let all = (0..<tp.count).map { tp[$0] + tn[$0] + fp[$0] + fn[$0] }
        let accuracyPerClass = zip(correct, all).map { $0 / ($1 + epsilon) }
        let correctSum = correct.reduce(0, +)
        accuracy = AveragedMetric(micro: correctSum / (correctSum + all.reduce(0, +) + epsilon),
                                  macro: AveragedMetric.mean(accuracyPerClass), perClass: accuracyPerClass)
        overallAccuracy = tp.reduce(0, +) / (Double(matrix.total) + epsilon)

        truePositiveRate = .ratio(tp, fn, epsilon: epsilon)
        trueNegativeRate = .ratio(tn, fp, epsilon: epsilon)
        falsePositiveRate = .ratio(fp, tn, epsilon: epsilon)
        falseNegativeRate = .ratio(fn, tp, epsilon: epsilon)
        positivePredictiveValue = .ratio(tp, fp, epsilon: epsilon)
        negativePredictiveValue = .ratio(tn, fn, epsilon: epsilon)

        let tpr = truePositiveRate, tnr = trueNegativeRate
        func derived(_ formula: (Double, Double) -> Double) -> AveragedMetric {
            let perClass = zip(tpr.perClass, tnr.perClass).map(formula)
            return AveragedMetric(micro: formula(tpr.micro, tnr.micro), macro: AveragedMetric.mean(perClass), perClass: perClass)
        }
        negativeLikelihoodRatio = derived { (1 - $0) / ($1 + epsilon) }
        positiveLikelihoodRatio = derived { $0 / (1 - $1 + epsilon) }
        youdenIndex = derived { $0 + $1 - 1 }

        let concordant = zip(tp, tn).map(*)
        let discordant = zip(fp, fn).map(*)
        let oddsPerClass = zip(concordant, discordant).map { $0 / ($1 + epsilon) }
        let concordantSum = concordant.reduce(0, +)
        diagnosticOddsRatio = AveragedMetric(micro: concordantSum / (concordantSum + discordant.reduce(0, +) + epsilon),
                                             macro: AveragedMetric.mean(oddsPerClass), perClass: oddsPerClass)
    }

    /// The metric families under the reference's field-name stems, in `CMResults` order; the fields
    /// are `<stem>_micro`, `<stem>_macro` and `<stem>_class`.
    public var families: [(stem: String, metric: AveragedMetric)] {
        [("sensitivity", sensitivity), ("specificity", specificity), ("precision", precision), ("recall", recall),
         ("f1", f1), ("accuracy", accuracy),
         ("true_positive_rate", truePositiveRate), ("true_negative_rate", trueNegativeRate),
         ("false_positive_rate", falsePositiveRate), ("false_negative_rate", falseNegativeRate),
         ("positive_pred_value", positivePredictiveValue), ("negative_pred_value", negativePredictiveValue),
         ("negative_likelihood_ratio", negativeLikelihoodRatio), ("positive_likelihood_ratio", positiveLikelihoodRatio),
         ("diagnostic_odd_ratio", diagnosticOddsRatio), ("younden_index", youdenIndex)]
    }
}
