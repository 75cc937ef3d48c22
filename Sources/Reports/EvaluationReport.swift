/// Everything the reference evaluator computes for one set of predictions
/// (`Evaluator.compute_stats` in train_and_eval/evaluator.py): the confusion matrix, every
/// `CMMetrics` field, and the ROC curves with their areas.
public struct EvaluationReport: Equatable, Sendable {
    /// The evaluated cases.
    public let predictions: PredictionSet
    /// K×K counts of true vs predicted classes.
    public let confusionMatrix: ConfusionMatrix
    /// `CMMetrics.compute_metrics(confusionMatrix)`.
    public let metrics: ConfusionMatrixMetrics
    /// Per-class, micro and macro ROC curves from the probabilities.
    public let roc: ROCAnalysis

    public init(predictions: PredictionSet) {
        self.predictions = predictions
        confusionMatrix = ConfusionMatrix(trueLabels: predictions.trueLabels, predictedLabels: predictions.predictedLabels,
                                          classCount: predictions.classCount)
        metrics = ConfusionMatrixMetrics(confusionMatrix: confusionMatrix)
        roc = ROCAnalysis(trueLabels: predictions.trueLabels, probabilities: predictions.probabilities)
    }

    /// `Class 0`, `Class 1`, … — the reference's labels when no class names are given.
    public static func defaultClassNames(count: Int) -> [String] { (0..<count).map { "Class \($0)" } }
}
