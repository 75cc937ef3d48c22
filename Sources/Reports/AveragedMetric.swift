/// One confusion-matrix metric in the three forms the reference reports: micro-averaged (computed
/// from counts summed over classes), macro-averaged (mean of the per-class values) and per class
/// (one-vs-rest), as the `*_micro`, `*_macro` and `*_class` fields of `CMResults`
/// (metrics/cmat_metrics.py).
public struct AveragedMetric: Equatable, Sendable {
    /// `compute_micro_stats`: Σa / (Σa + Σb + ε) for the metric's numerator counts a and the
    /// complementary counts b (some metrics combine per-class values instead; see
    /// ``ConfusionMatrixMetrics``).
    public var micro: Double
    /// `compute_macro_stats`: the mean of ``perClass`` (NaN if any class value is NaN, as NumPy).
    public var macro: Double
    /// One value per class; for two classes the reference's binary path gives a single value, for
    /// the positive class 1 (see ``ConfusionMatrixMetrics/isBinary``).
    public var perClass: [Double]

    public init(micro: Double, macro: Double, perClass: [Double]) {
        self.micro = micro
        self.macro = macro
        self.perClass = perClass
    }

    /// Per-class ratio a / (a + b + ε), micro Σa / (Σa + Σb + ε) and their macro mean — the shape of
    /// `compute_senstivity`, `compute_specificity`, `compute_precision`, `compute_fpr`, … in the reference.
    static func ratio(_ numerators: [Double], _ complements: [Double], epsilon: Double) -> AveragedMetric {
        let perClass = zip(numerators, complements).map { $0 / ($0 + $1 + epsilon) }
        let numeratorSum = numerators.reduce(0, +)
        let micro = numeratorSum / (numeratorSum + complements.reduce(0, +) + epsilon)
        return AveragedMetric(micro: micro, macro: mean(perClass), perClass: perClass)
    }

    /// `np.mean` of the values.
    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}
