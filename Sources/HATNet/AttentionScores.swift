import TensorKit

/// Where HATNet looked, exactly as the reference's `AttentionScores` (model/mi_model_e2e.py).
public struct AttentionScores {
    /// `[B, Nb·Nw, Nb·Nw]`: word-to-word scores, the mean over heads of the scaled pre-softmax logits.
    public let wordToWord: Tensor
    /// `[B, Nb, Nb]`: bag-to-bag contextual attention scores, same definition.
    public let bagToBag: Tensor
    /// `[B, Nb, Nw]`: the sum of the two unnormalised word energies (self-attended and CNN words).
    public let wordScores: Tensor
    /// `[B, Nb]`: unnormalised bag energies.
    public let bagScores: Tensor

    /// The reference's output names, for files: `w2w_self_attn`, `b2b_self_attn`, `word_scores`, `bag_scores`.
    public var named: [(name: String, tensor: Tensor)] {
        [("w2w_self_attn", wordToWord), ("b2b_self_attn", bagToBag), ("word_scores", wordScores), ("bag_scores", bagScores)]
    }
}
