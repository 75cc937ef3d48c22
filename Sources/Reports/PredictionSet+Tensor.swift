import TensorKit

extension PredictionSet {
    /// A prediction set from a model's output tensor, as the evaluator holds it.
    /// - Parameters:
    ///   - probabilities: [N, K] class probabilities (e.g. the softmax of the logits).
    ///   - predictedLabels: `nil` for the arg-max of each row.
    /// - Throws: ``ValidationError`` as ``init(trueLabels:probabilities:predictedLabels:)``.
    public init(trueLabels: [Int], probabilities: Tensor, predictedLabels: [Int]? = nil) throws {
        precondition(probabilities.rank == 2, "probabilities must be [cases, classes], got shape \(probabilities.shape)")
        let classCount = probabilities.shape[1]
        let rows = (0..<probabilities.shape[0]).map { row in
            probabilities.scalars[(row * classCount)..<((row + 1) * classCount)].map(Double.init)
        }
        try self.init(trueLabels: trueLabels, probabilities: rows, predictedLabels: predictedLabels)
    }
}
