import TensorKit

/// One layer of a CNN that is a plain chain (``LayerChainEncoder``): a convolution (stem, head,
/// MnasNet's separable convolution is an ``InvertedResidualBlock`` without expansion) or a
/// mobile inverted bottleneck. `name` is the layer's PyTorch state-dict prefix
/// (`features.3`, `layers.8.0`, `_blocks.4`), so a profile row can be found in the reference.
public enum ChainLayer: Sendable {
    case convolution(name: String, Conv2d)
    case invertedResidual(name: String, InvertedResidualBlock)

    /// `x` is `[N, H, W, Cin]`; returns the layer's output map.
    public func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        switch self {
        case .convolution(_, let convolution): convolution(x)
        case .invertedResidual(_, let block): block(x)
        }
    }
}

/// An encoder whose feature map is its ``layers`` applied one after another (MobileNetV2, MnasNet,
/// EfficientNet-Lite0): ``featureMap(_:)`` is that chain, and `hatnet bench encoders
/// --layer-profile` times the same layers one by one.
public protocol LayerChainEncoder: Encoder {
    /// The layers in the order ``featureMap(_:)`` runs them.
    var layers: [ChainLayer] { get }
}

extension LayerChainEncoder {
    /// `images` is `[N, H, W, 3]`; returns the last layer's output.
    public func featureMap(_ images: FeatureMap) -> FeatureMap {
        layers.reduce(images) { x, layer in layer(x) }
    }
}
