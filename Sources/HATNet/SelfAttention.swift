import NN
import TensorKit

/// The transformer block HATNet uses for word-to-word attention (`SelfAttention` in
/// `nn_layers/attn_layers.py`): pre-norm multi-head self-attention with a residual connection,
/// then an expanding feed-forward block (×4). Keys `self_attn`, `ffn`, `layer_norm_1`.
///
/// Shapes: `[B, Nb, Nw, d]` (all words of a slide attend to each other) or `[B, N, d]`,
/// shape-preserving; scores `[B, Nb·Nw, Nb·Nw]` / `[B, N, N]`.
public final class SelfAttention: Module {
    public let attention: MultiHeadAttention
    public let feedForward: FeedForward
    public let inputNorm: LayerNorm
    public let dropout: Dropout

    public init(features: Int, numHeads: Int, dropout probability: Float,
                generator: inout SeededGenerator, randomSource: RandomSource) {
        attention = MultiHeadAttention(inputFeatures: features, outputFeatures: features, numHeads: numHeads,
                                       generator: &generator, randomSource: randomSource)
        feedForward = FeedForward(inputFeatures: features, scale: 4, dropout: probability, expansion: true,
                                  generator: &generator, randomSource: randomSource)
        inputNorm = LayerNorm(features: features, eps: 1e-6)
        dropout = Dropout(probability: probability, randomSource: randomSource)
    }

    public override var children: [(name: String, module: Module)] {
        [("self_attn", attention), ("ffn", feedForward), ("layer_norm_1", inputNorm), ("drop", dropout)]
    }

    public func callAsFunction(_ input: Tensor, needScores: Bool = false) -> (output: Tensor, scores: Tensor?) {
        let normalized = inputNorm(input)
        let (context, scores) = attention(key: normalized, value: normalized, query: normalized, needScores: needScores)
        return (feedForward(dropout(context) + input), scores)
    }
}
