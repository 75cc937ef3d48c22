import TensorKit

/// What the network says about a batch of slides: logits, their softmax, and optionally where it
/// looked. The result of ``HATNetModel/infer(_:attention:)``, the one inference entry point.
public struct Inference {
    /// `[B, C]`.
    public let logits: Tensor
    /// `[B, C]`: softmax of the logits over classes.
    public let probabilities: Tensor
    /// The attention outputs of every slide of the batch, when asked for.
    public let attention: AttentionScores?

    /// Batch size B.
    public var count: Int { logits.shape[0] }
    /// Number of classes C.
    public var classCount: Int { logits.shape[1] }

    /// The probabilities of slide `index` (softmax order = class index).
    public func probabilities(of index: Int) -> [Double] {
        probabilities.scalars[(index * classCount)..<((index + 1) * classCount)].map(Double.init)
    }

    /// The most probable class of each slide (the first on ties, like `torch.max`).
    public var predictedLabels: [Int] {
        (0..<count).map { index in
            let row = probabilities.scalars[(index * classCount)..<((index + 1) * classCount)]
            return row.indices.reduce(row.startIndex) { row[$1] > row[$0] ? $1 : $0 } - row.startIndex
        }
    }
}

extension HATNetModel {
    /// Runs the network for inference: evaluation mode (no dropout), no gradient recording, and the
    /// softmax of the logits — the forward pass every caller that is not training uses (validation,
    /// evaluation, prediction, `hatnet attend`, the figures). The model's training mode is restored
    /// afterwards, so a trainer can validate between epochs.
    ///
    /// - Parameters:
    ///   - words: `[B, Nb, Nw, F]` CNN word features.
    ///   - attention: also return the attention outputs (``AttentionScores``).
    public func infer(_ words: Tensor, attention: Bool = false) -> Inference {
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        return withoutGrad {
            let (logits, scores) = self(words, needAttention: attention)
            return Inference(logits: logits, probabilities: logits.softmax(axis: -1), attention: scores)
        }
    }
}
