import TensorKit

/// Layer normalisation over the last axis (Ba et al. 2016; PyTorch's `nn.LayerNorm`, keys
/// `weight`, `bias`). Shape-preserving: `[..., features]`.
public final class LayerNorm: Module {
    public let features: Int
    public let eps: Float
    public let weight: Parameter
    public let bias: Parameter

    /// Weight 1 and bias 0, as PyTorch initialises them. PyTorch's default `eps` is 1e-5; the
    /// HATNet reference passes 1e-6 for most of its norms.
    public init(features: Int, eps: Float = 1e-5) {
        self.features = features
        self.eps = eps
        weight = Parameter(.ones([features]))
        bias = Parameter(.zeros([features]))
    }

    public override var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight), ("bias", bias)]
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == features,
                     "LayerNorm(\(features)): input shape \(input.shape) must end in \(features)")
        return input.layerNorm(weight: weight.value, bias: bias.value, eps: eps)
    }
}
