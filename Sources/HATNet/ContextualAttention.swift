import NN
import TensorKit

/// HATNet's bag-to-bag contextual attention (`ContextualAttention` in `nn_layers/attn_layers.py`).
///
/// The bags obtained from CNN words (`input`) first attend to themselves; the result, normalised,
/// becomes the query of a second attention whose keys and values are the bags obtained from
/// self-attended words (`context`). A residual connection to `input` and an expanding feed-forward
/// block follow. Keys `self_attn`, `context_norm` (PyTorch's default eps 1e-5), `context_attn`,
/// `ffn`, `input_norm`, `query_norm`.
///
/// Shapes: `input`, `context` `[B, Nb, d]` → `[B, Nb, d]`; scores `[B, Nb, Nb]` (of the contextual
/// attention).
public final class ContextualAttention: Module {
    public let selfAttention: MultiHeadAttention
    public let contextNorm: LayerNorm
    public let contextAttention: MultiHeadAttention
    public let feedForward: FeedForward
    public let inputNorm: LayerNorm
    public let queryNorm: LayerNorm
    public let dropout: Dropout

    public init(features: Int, numHeads: Int, dropout probability: Float,
                generator: inout SeededGenerator, randomSource: RandomSource) {
        selfAttention = MultiHeadAttention(inputFeatures: features, outputFeatures: features, numHeads: numHeads,
                                           generator: &generator, randomSource: randomSource)
        contextNorm = LayerNorm(features: features)
        contextAttention = MultiHeadAttention(inputFeatures: features, outputFeatures: features, numHeads: numHeads,
                                              generator: &generator, randomSource: randomSource)
        feedForward = FeedForward(inputFeatures: features, scale: 4, dropout: probability, expansion: true,
                                  generator: &generator, randomSource: randomSource)
        inputNorm = LayerNorm(features: features, eps: 1e-6)
        queryNorm = LayerNorm(features: features, eps: 1e-6)
        dropout = Dropout(probability: probability, randomSource: randomSource)
    }

    public override var children: [(name: String, module: Module)] {
        [("self_attn", selfAttention), ("context_norm", contextNorm), ("context_attn", contextAttention),
         ("ffn", feedForward), ("input_norm", inputNorm), ("query_norm", queryNorm), ("drop", dropout)]
    }

    public func callAsFunction(input: Tensor, context: Tensor, needScores: Bool = false) -> (output: Tensor, scores: Tensor?) {
        let normalizedInput = inputNorm(input)
        let (attendedInput, _) = selfAttention(key: normalizedInput, value: normalizedInput, query: normalizedInput)
        let query = dropout(attendedInput) + input
        let normalizedContext = contextNorm(context)
        let (mixed, scores) = contextAttention(key: normalizedContext, value: normalizedContext, query: queryNorm(query),
                                               needScores: needScores)
        return (feedForward(dropout(mixed) + input), scores)
    }
}
