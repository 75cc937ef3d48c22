import Foundation

/// The word encoders HATNet can use, by the names the command line accepts.
public enum EncoderArchitecture: String, CaseIterable, Sendable {
    case espnetv2
    case mobilenetv2
    case mnasnet
    case efficientNetLite0 = "efficientnet-lite0"

    /// The `--scale` used when none is given: ESPNetv2's `s` 2.0 (the authors' choice), 1.0 otherwise.
    public var defaultScale: Double { self == .espnetv2 ? 2.0 : 1.0 }

    /// Weights `hatnet weights fetch` can download for this architecture, if any.
    public var downloadableWeights: DownloadableWeights? {
        self == .efficientNetLite0 ? WeightCatalog.efficientNetLite0 : nil
    }

    /// Builds the encoder at `scale` (ESPNetv2's `s`, MobileNetV2's width multiplier, MnasNet's
    /// alpha; EfficientNet-Lite0 has only 1.0) from `weights`.
    public func makeEncoder(scale: Double? = nil, weights: EncoderWeights) throws -> any Encoder {
        let scale = scale ?? defaultScale
        switch self {
        case .espnetv2: return try ESPNetv2(scale: scale, weights: weights)
        case .mobilenetv2: return try MobileNetV2(widthMultiplier: scale, weights: weights)
        case .mnasnet: return try MNASNet(alpha: scale, weights: weights)
        case .efficientNetLite0:
            guard scale == 1.0 else {
                throw EncoderWeightError.unsupportedScale(architecture: rawValue, scale: scale, supported: [1.0])
            }
            return try EfficientNetLite(weights: weights)
        }
    }
}
