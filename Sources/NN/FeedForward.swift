import TensorKit

/// The position-wise feed-forward block of the HATNet reference (`nn_layers/ffn.py`, adapted from
/// OpenNMT-py): layer norm → linear → ReLU → dropout → linear → dropout, plus the input when the
/// output width equals the input width. Keys `w_1`, `w_2`, `layer_norm`.
///
/// The hidden width is `inputFeatures · scale` with `expansion`, else `inputFeatures / scale`.
/// Shapes: `[..., inputFeatures] → [..., outputFeatures]`.
public final class FeedForward: Module {
    public let expand: Linear
    public let project: Linear
    public let layerNorm: LayerNorm
    public let dropoutAfterActivation: Dropout
    public let dropoutAfterProjection: Dropout
    public let isResidual: Bool

    public init(inputFeatures: Int, scale: Int, outputFeatures: Int? = nil, dropout: Float, expansion: Bool = false,
                generator: inout SeededGenerator, randomSource: RandomSource) {
        let outputFeatures = outputFeatures ?? inputFeatures
        let hiddenFeatures = expansion ? inputFeatures * scale : inputFeatures / scale
        expand = Linear(inputFeatures: inputFeatures, outputFeatures: hiddenFeatures, generator: &generator)
        project = Linear(inputFeatures: hiddenFeatures, outputFeatures: outputFeatures, generator: &generator)
        layerNorm = LayerNorm(features: inputFeatures, eps: 1e-6)
        dropoutAfterActivation = Dropout(probability: dropout, randomSource: randomSource)
        dropoutAfterProjection = Dropout(probability: dropout, randomSource: randomSource)
        isResidual = inputFeatures == outputFeatures
    }

    public override var children: [(name: String, module: Module)] {
        [("w_1", expand), ("w_2", project), ("layer_norm", layerNorm),
         ("dropout_1", dropoutAfterActivation), ("dropout_2", dropoutAfterProjection)]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let hidden = dropoutAfterActivation(expand(layerNorm(input)).relu())
        let output = dropoutAfterProjection(project(hidden))
        return isResidual ? output + input : output
    }
}
