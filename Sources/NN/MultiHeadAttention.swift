import TensorKit

/// Multi-head scaled dot-product attention as the HATNet reference implements it
/// (`nn_layers/multi_head_attn.py`, adapted from OpenNMT-py; Vaswani et al. 2017).
///
/// Separate key, value and query projections (keys `linear_keys`, `linear_values`,
/// `linear_query`), the query divided by √(featuresPerHead), softmax over keys, dropout on the
/// attention weights (p = 0.1, the reference's default), and `final_linear`.
///
/// Shapes: 3-D inputs `[B, N, d]` give `[B, N, d']`. With a 4-D input `[B, Nb, Nw, d]` every word
/// of the slide attends to all `Nb·Nw` words, and — exactly as in the reference — the key, value
/// and query projections all read `key` (the callers always pass the same tensor three times).
/// The optional scores are the mean over heads of the scaled, pre-softmax logits:
/// `[B, N, N]` (`[B, Nb·Nw, Nb·Nw]` for 4-D input).
public final class MultiHeadAttention: Module {
    public let numHeads: Int
    public let featuresPerHead: Int
    public let keyProjection: Linear
    public let valueProjection: Linear
    public let queryProjection: Linear
    public let outputProjection: Linear
    public let attentionDropout: Dropout
    private let randomSource: RandomSource

    public init(inputFeatures: Int, outputFeatures: Int, numHeads: Int, dropout: Float = 0.1,
                generator: inout SeededGenerator, randomSource: RandomSource) {
        precondition(numHeads > 0 && inputFeatures % numHeads == 0,
                     "MultiHeadAttention: \(inputFeatures) features cannot be split into \(numHeads) heads")
        self.numHeads = numHeads
        featuresPerHead = inputFeatures / numHeads
        keyProjection = Linear(inputFeatures: inputFeatures, outputFeatures: inputFeatures, generator: &generator)
        valueProjection = Linear(inputFeatures: inputFeatures, outputFeatures: inputFeatures, generator: &generator)
        queryProjection = Linear(inputFeatures: inputFeatures, outputFeatures: inputFeatures, generator: &generator)
        outputProjection = Linear(inputFeatures: inputFeatures, outputFeatures: outputFeatures, generator: &generator)
        attentionDropout = Dropout(probability: dropout, randomSource: randomSource)
        self.randomSource = randomSource
    }

    public override var children: [(name: String, module: Module)] {
        [("linear_keys", keyProjection), ("linear_values", valueProjection), ("linear_query", queryProjection),
         ("dropout", attentionDropout), ("final_linear", outputProjection)]
    }

    /// - Returns: the attended values, and the head-averaged scores when `needScores`.
    public func callAsFunction(key: Tensor, value: Tensor, query: Tensor,
                               needScores: Bool = false) -> (output: Tensor, scores: Tensor?) {
        var key = key, value = value, query = query
        let inputShape = key.shape
        let isWordGrid = key.rank == 4
        if isWordGrid {
            // [B, Nb, Nw, d] → [B, Nb·Nw, d]; the reference reads all three from `key`.
            key = key.reshaped([inputShape[0], -1, inputShape[3]])
            value = key
            query = key
        }
        precondition(key.rank == 3 && value.shape == key.shape && query.rank == 3 && query.shape[0] == key.shape[0],
                     "MultiHeadAttention: key \(key.shape), value \(value.shape), query \(query.shape) must be [B, N, d]")
        let batch = key.shape[0]

        // [B, N, d] → [B, N, h, dₕ] → [B, h, N, dₕ]
        func splitHeads(_ x: Tensor) -> Tensor {
            x.reshaped([batch, -1, numHeads, featuresPerHead]).permuted([0, 2, 1, 3])
        }
        let keys = splitHeads(keyProjection(key))
        let values = splitHeads(valueProjection(value))
        let queries = splitHeads(queryProjection(query) * (1 / Float(featuresPerHead).squareRoot()))

        // softmax([B, h, Nq, dₕ] · [B, h, Nk, dₕ]ᵀ) · [B, h, Nk, dₕ] → [B, h, Nq, dₕ] → [B, Nq, h·dₕ]
        let (attended, scores) = Tensor.attention(
            query: queries, key: keys, value: values,
            dropoutProbability: attentionDropout.isTraining ? attentionDropout.probability : 0,
            generator: &randomSource.generator, needMeanScores: needScores)
        let context = attended.permuted([0, 2, 1, 3]).reshaped([batch, -1, numHeads * featuresPerHead])
        var output = outputProjection(context)
        if isWordGrid {
            output = output.reshaped([inputShape[0], inputShape[1], inputShape[2], -1])
        }
        return (output, scores)
    }
}
