/// The ROC curves and areas the reference evaluator reports (`plot_roc` in utilities/roc_utils.py):
/// one-vs-rest per class, micro-average and macro-average.
public struct ROCAnalysis: Equatable, Sendable {
    /// Curve of class k against the rest, scored by the probability of class k.
    public let perClass: [ROCCurve]
    /// `roc_curve(one_hot.ravel(), y_prob.ravel())`: every (case, class) pair as one binary decision.
    public let micro: ROCCurve
    /// Mean of the per-class TPRs, each linearly interpolated (`np.interp`) at the union of all
    /// per-class FPRs (`np.unique(np.concatenate(fpr))`). Empty when a class curve is undefined.
    public let macro: ROCCurve

    /// - Parameters:
    ///   - trueLabels: class of each case, in `0..<K`.
    ///   - probabilities: N rows of K scores (K = number of classes).
    public init(trueLabels: [Int], probabilities: [[Double]]) {
        precondition(trueLabels.count == probabilities.count, "\(trueLabels.count) labels but \(probabilities.count) probability rows")
        let classCount = probabilities.first?.count ?? 0
        precondition(classCount >= 2 && probabilities.allSatisfy { $0.count == classCount },
                     "every probability row needs the same number (≥ 2) of classes")
        perClass = (0..<classCount).map { k in
            ROCCurve(isPositive: trueLabels.map { $0 == k }, scores: probabilities.map { $0[k] })
        }
        micro = ROCCurve(isPositive: trueLabels.flatMap { label in (0..<classCount).map { $0 == label } },
                         scores: probabilities.flatMap { $0 })
        macro = Self.macroAverage(of: perClass)
    }

    /// The macro-average curve of `curves` (see ``macro``).
    public static func macroAverage(of curves: [ROCCurve]) -> ROCCurve {
        guard !curves.isEmpty, curves.allSatisfy(\.isDefined) else {
            return ROCCurve(falsePositiveRates: [], truePositiveRates: [])
        }
        let allRates = Array(Set(curves.flatMap(\.falsePositiveRates))).sorted()
        let meanRates = allRates.map { rate in
            curves.reduce(0.0) { sum, curve in
                sum + PiecewiseLinear.interpolate(at: rate, xs: curve.falsePositiveRates, ys: curve.truePositiveRates)
            } / Double(curves.count)
        }
        return ROCCurve(falsePositiveRates: allRates, truePositiveRates: meanRates)
    }

    /// Areas keyed as the reference's `roc_auc` dict, serialised: "0" … "K-1", "micro", "macro".
    public var areas: [String: Double] {
        var result = ["micro": micro.area, "macro": macro.area]
        for (k, curve) in perClass.enumerated() { result[String(k)] = curve.area }
        return result
    }
}
