/// A model's outputs on labelled cases — the input of every metric: true labels, class
/// probabilities (or any scores, higher = more likely) and predicted labels.
///
/// This is what the reference evaluator (`Evaluator.compute_stats` in train_and_eval/evaluator.py)
/// receives as `y_true`, `y_prob`, `y_pred`. The initializer validates everything a user file can
/// get wrong, so downstream code can rely on consistent shapes.
public struct PredictionSet: Equatable, Sendable {
    /// What is inconsistent in a prediction set.
    public enum ValidationError: Error, Equatable, CustomStringConvertible {
        case noCases
        case caseCountMismatch(trueLabels: Int, probabilityRows: Int)
        case predictedCountMismatch(trueLabels: Int, predictedLabels: Int)
        case tooFewClasses(Int)
        case tooManyClasses(Int)
        case raggedProbabilities(row: Int, count: Int, expected: Int)
        case nonFiniteProbability(row: Int, column: Int)
        case labelOutOfRange(field: String, index: Int, label: Int, classCount: Int)

        public var description: String {
            switch self {
            case .noCases:
                return "y_true is empty: there are no cases to evaluate"
            case let .caseCountMismatch(labels, rows):
                return "y_true has \(labels) labels but y_prob has \(rows) rows"
            case let .predictedCountMismatch(labels, predicted):
                return "y_true has \(labels) labels but y_pred has \(predicted)"
            case let .tooFewClasses(count):
                return "y_prob rows have \(count) probabilities; at least 2 classes are needed"
            case let .tooManyClasses(count):
                return "y_prob rows have \(count) probabilities; at most \(PredictionSet.maximumClassCount) classes are evaluated "
                    + "(the confusion matrix alone grows with the square of the classes)"
            case let .raggedProbabilities(row, count, expected):
                return "y_prob row \(row) has \(count) probabilities, expected \(expected) like row 0"
            case let .nonFiniteProbability(row, column):
                return "y_prob[\(row)][\(column)] is not a finite number"
            case let .labelOutOfRange(field, index, label, classCount):
                return "\(field)[\(index)] = \(label) is not a class index in 0..<\(classCount) (y_prob has \(classCount) columns)"
            }
        }
    }

    /// The most classes evaluated: per-class metrics, ROC curves and the confusion matrix are meant
    /// for diagnostic categories (HATNet has 4), not for thousands of labels.
    public static let maximumClassCount = 1000

    /// Class of each case (`y_true`), in `0..<classCount`.
    public let trueLabels: [Int]
    /// One row of ``classCount`` scores per case (`y_prob`).
    public let probabilities: [[Double]]
    /// Predicted class of each case (`y_pred`): given, or the arg-max of each probability row.
    public let predictedLabels: [Int]

    /// Number of classes, the width of the probability rows.
    public var classCount: Int { probabilities[0].count }
    /// Number of cases.
    public var count: Int { trueLabels.count }

    /// Validates and stores the cases.
    /// - Parameter predictedLabels: `nil` predicts the arg-max class (the first on ties, like
    ///   `torch.max` / `np.argmax`).
    /// - Throws: ``ValidationError`` for empty input, mismatched lengths, ragged or non-finite
    ///   probabilities, fewer than two classes, or labels outside `0..<classCount`.
    public init(trueLabels: [Int], probabilities: [[Double]], predictedLabels: [Int]? = nil) throws {
        guard !trueLabels.isEmpty else { throw ValidationError.noCases }
        guard trueLabels.count == probabilities.count else {
            throw ValidationError.caseCountMismatch(trueLabels: trueLabels.count, probabilityRows: probabilities.count)
        }
        let classCount = probabilities[0].count
        guard classCount >= 2 else { throw ValidationError.tooFewClasses(classCount) }
        guard classCount <= Self.maximumClassCount else { throw ValidationError.tooManyClasses(classCount) }
        for (row, scores) in probabilities.enumerated() {
            guard scores.count == classCount else {
                throw ValidationError.raggedProbabilities(row: row, count: scores.count, expected: classCount)
            }
            if let column = scores.firstIndex(where: { !$0.isFinite }) {
                throw ValidationError.nonFiniteProbability(row: row, column: column)
            }
        }
        try Self.checkRange(trueLabels, field: "y_true", classCount: classCount)
        let predicted = predictedLabels ?? probabilities.map(Self.argmax)
        guard predicted.count == trueLabels.count else {
            throw ValidationError.predictedCountMismatch(trueLabels: trueLabels.count, predictedLabels: predicted.count)
        }
        try Self.checkRange(predicted, field: "y_pred", classCount: classCount)
        self.trueLabels = trueLabels
        self.probabilities = probabilities
        self.predictedLabels = predicted
    }

    private static func checkRange(_ labels: [Int], field: String, classCount: Int) throws {
        if let index = labels.firstIndex(where: { !(0..<classCount).contains($0) }) {
            throw ValidationError.labelOutOfRange(field: field, index: index, label: labels[index], classCount: classCount)
        }
    }

    /// Index of the largest score, the first one on ties.
    static func argmax(_ scores: [Double]) -> Int {
        scores.indices.reduce(0) { scores[$1] > scores[$0] ? $1 : $0 }
    }
}
