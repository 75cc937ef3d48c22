import Foundation

/// The word encoders HATNet can use, by the names the command line accepts.
public enum EncoderArchitecture: String, CaseIterable, Sendable {
    case espnetv2
    case mobilenetv2
    case mnasnet
    case efficientNetLite0 = "efficientnet-lite0"
    /// CLAM's ResNet-50 through layer3 (``ResNet50Truncated``).
    case resnet50Truncated = "resnet50-trunc"
    /// A timm Vision Transformer (``VisionTransformer``), described by a configuration or preset.
    case vit

    /// The `--scale` used when none is given: ESPNetv2's `s` 2.0 (the authors' choice), 1.0 otherwise.
    public var defaultScale: Double { self == .espnetv2 ? 2.0 : 1.0 }

    /// Weights `hatnet weights fetch` can download for this architecture, if any.
    public var downloadableWeights: DownloadableWeights? {
        self == .efficientNetLite0 ? WeightCatalog.efficientNetLite0 : nil
    }

    /// Builds the encoder at `scale` (ESPNetv2's `s`, MobileNetV2's width multiplier, MnasNet's
    /// alpha; EfficientNet-Lite0 and ResNet-50 have only 1.0) from `weights`; a ViT from
    /// `vitConfiguration`, with Hugging Face key names renamed to timm's.
    public func makeEncoder(scale: Double? = nil, vitConfiguration: VisionTransformerConfiguration? = nil,
                            vitName: String = "vit", weights: EncoderWeights) throws -> any Encoder {
        let scale = scale ?? defaultScale
        if self == .efficientNetLite0 || self == .resnet50Truncated || self == .vit, scale != 1.0 {
            throw EncoderWeightError.unsupportedScale(architecture: rawValue, scale: scale, supported: [1.0])
        }
        switch self {
        case .espnetv2: return try ESPNetv2(scale: scale, weights: weights)
        case .mobilenetv2: return try MobileNetV2(widthMultiplier: scale, weights: weights)
        case .mnasnet: return try MNASNet(alpha: scale, weights: weights)
        case .efficientNetLite0: return try EfficientNetLite(weights: weights)
        case .resnet50Truncated: return try ResNet50Truncated(weights: weights)
        case .vit:
            guard let vitConfiguration else {
                throw VisionTransformerConfigurationError(source: weights.source, field: "(configuration)",
                                                          problem: "is needed: give --vit-config FILE.json or --vit-preset")
            }
            return try VisionTransformer(configuration: vitConfiguration, weights: try weights.renamingHuggingFaceViT(), name: vitName)
        }
    }
}
