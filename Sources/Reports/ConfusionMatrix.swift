/// Counts of (true class, predicted class) pairs: `counts[t][p]` is the number of cases of class `t`
/// predicted as class `p` — the layout of scikit-learn's `confusion_matrix(y_true, y_pred)`, which the
/// reference evaluator (train_and_eval/evaluator.py) feeds to `CMMetrics.compute_metrics`.
///
/// Unlike scikit-learn, which keeps only the labels that occur in `y_true ∪ y_pred`, the matrix always
/// has one row and one column for every class `0..<classCount`, so a class that never occurs keeps
/// its place (and its name in plots).
public struct ConfusionMatrix: Equatable, Sendable {
    /// Number of classes, K.
    public let classCount: Int
    /// K×K counts, rows = true class, columns = predicted class.
    public let counts: [[Int]]

    /// Tallies `trueLabels[i]` against `predictedLabels[i]`.
    /// - Precondition: equal lengths and every label in `0..<classCount` (``PredictionSet`` validates
    ///   user input before it gets here).
    public init(trueLabels: [Int], predictedLabels: [Int], classCount: Int) {
        precondition(classCount > 0, "a confusion matrix needs at least one class")
        precondition(trueLabels.count == predictedLabels.count,
                     "\(trueLabels.count) true labels but \(predictedLabels.count) predicted labels")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (truth, prediction) in zip(trueLabels, predictedLabels) {
            precondition((0..<classCount).contains(truth) && (0..<classCount).contains(prediction),
                         "label pair (\(truth), \(prediction)) outside 0..<\(classCount)")
            counts[truth][prediction] += 1
        }
        self.classCount = classCount
        self.counts = counts
    }

    /// Wraps existing K×K counts.
    public init(counts: [[Int]]) {
        precondition(!counts.isEmpty && counts.allSatisfy { $0.count == counts.count },
                     "confusion-matrix counts must be a non-empty square matrix")
        self.classCount = counts.count
        self.counts = counts
    }

    /// Number of cases.
    public var total: Int { counts.joined().reduce(0, +) }

    /// Cases of class `k` predicted as `k`.
    public var truePositives: [Int] { (0..<classCount).map { counts[$0][$0] } }

    /// Cases predicted as class `k` that belong to another class (column sum minus diagonal).
    public var falsePositives: [Int] {
        (0..<classCount).map { column in counts.reduce(0) { $0 + $1[column] } - counts[column][column] }
    }

    /// Cases of class `k` predicted as another class (row sum minus diagonal).
    public var falseNegatives: [Int] { (0..<classCount).map { counts[$0].reduce(0, +) - counts[$0][$0] } }

    /// Cases neither of class `k` nor predicted as `k`.
    public var trueNegatives: [Int] {
        let total = self.total
        return (0..<classCount).map { total - truePositives[$0] - falsePositives[$0] - falseNegatives[$0] }
    }

    /// Each row divided by its sum (the fraction of each true class predicted as each class), as
    /// `plot_confusion_matrix` in utilities/roc_utils.py shows it. A class without cases gives a row
    /// of NaN (0/0), as NumPy would.
    public var rowNormalized: [[Double]] {
        counts.map { row in
            let sum = Double(row.reduce(0, +))
            return row.map { Double($0) / sum }
        }
    }
}
