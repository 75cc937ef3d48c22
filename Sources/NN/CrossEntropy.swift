import TensorKit

/// Classification losses on logits `[B, C]` and integer targets `[B]`.
public enum CrossEntropy {
    /// PyTorch's `nn.CrossEntropyLoss(weight:)` with mean reduction: the weighted mean
    /// `Σᵢ w[yᵢ]·(−log softmax(xᵢ)[yᵢ]) / Σᵢ w[yᵢ]`. Without weights every class weighs 1.
    public static func loss(logits: Tensor, targets: [Int], classWeights: [Float]? = nil) -> Tensor {
        let (batch, classes) = validate(logits: logits, targets: targets)
        if let classWeights {
            precondition(classWeights.count == classes, "CrossEntropy: \(classWeights.count) class weights for \(classes) classes")
        }
        let picked = logits.logSoftmax(axis: -1).gather(axis: 1, indices: targets, indexShape: [batch, 1]).reshaped([batch])
        let sampleWeights = targets.map { classWeights?[$0] ?? 1 }
        let totalWeight = sampleWeights.reduce(0, +)
        return -(picked * Tensor(sampleWeights)).sum() / totalWeight
    }

    /// The reference's label-smoothed cross-entropy (`criterions/cross_entropy.py`, after
    /// fairseq): `((1 − ε)·Σᵢ nllᵢ + ε/C · Σᵢ Σ_c −log pᵢ,c) / B`.
    public static func labelSmoothedLoss(logits: Tensor, targets: [Int], epsilon: Float = 0.1) -> Tensor {
        let (batch, classes) = validate(logits: logits, targets: targets)
        let logProbabilities = logits.logSoftmax(axis: -1)
        let negativeLogLikelihood = -logProbabilities.gather(axis: 1, indices: targets, indexShape: [batch, 1]).sum()
        let smoothing = -logProbabilities.sum()
        return ((1 - epsilon) * negativeLogLikelihood + (epsilon / Float(classes)) * smoothing) / Float(batch)
    }

    private static func validate(logits: Tensor, targets: [Int]) -> (batch: Int, classes: Int) {
        precondition(logits.rank == 2, "CrossEntropy: logits must be [B, C], got \(logits.shape)")
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        precondition(targets.count == batch, "CrossEntropy: \(targets.count) targets for a batch of \(batch)")
        precondition(targets.allSatisfy { $0 >= 0 && $0 < classes }, "CrossEntropy: targets \(targets) outside 0..<\(classes)")
        return (batch, classes)
    }
}
