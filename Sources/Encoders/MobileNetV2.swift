import TensorKit

/// MobileNetV2 (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
/// CVPR 2018) exactly as torchvision defines it (and HATNet's copy in
/// model/feature_extractors/mobilenetv2.py): a stride-2 3×3 stem, 17 inverted-residual blocks and
/// a 1×1 head to `last_channel` = 1280·max(1, width) channels, all with ReLU6.
///
/// State-dict keys: `features.0.{0,1}` (stem conv, BN), `features.i.conv.*` (blocks),
/// `features.18.{0,1}` (head), `classifier.1` (ignored unless logits are asked for).
public struct MobileNetV2: LayerChainEncoder {
    /// `(t, c, n, s)`: expansion ratio, output channels, repeats, stride of the first repeat.
    static let invertedResidualSetting: [(expansion: Int, channels: Int, repeats: Int, stride: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]

    public let widthMultiplier: Double
    public let featureCount: Int
    public let classifier: LinearClassifier?
    /// `features.0` (stem), `features.1 … 17` (blocks), `features.18` (head).
    public let layers: [ChainLayer]

    public var name: String { "mobilenetv2 (width \(widthMultiplier))" }

    /// Builds the network for `widthMultiplier` from a state dict with torchvision's key names.
    public init(widthMultiplier: Double = 1.0, weights: EncoderWeights) throws {
        precondition(widthMultiplier > 0, "MobileNetV2: width multiplier must be positive")
        self.widthMultiplier = widthMultiplier
        var inputChannels = roundChannels(32 * widthMultiplier)
        let lastChannels = roundChannels(1280 * max(1.0, widthMultiplier))
        let stem = try weights.convolution("features.0.0.weight", batchNorm: "features.0.1", inputChannels: 3,
                                       outputChannels: inputChannels, kernelSize: 3, stride: 2, activation: .relu6)
        var blocks = [InvertedResidualBlock]()
        for setting in MobileNetV2.invertedResidualSetting {
            let outputChannels = roundChannels(Double(setting.channels) * widthMultiplier)
            for repeatIndex in 0..<setting.repeats {
                let prefix = "features.\(blocks.count + 1).conv"
                let stride = repeatIndex == 0 ? setting.stride : 1
                let hidden = Int((Double(inputChannels) * Double(setting.expansion)).rounded(.toNearestOrEven))
                // conv.0 is the expansion when there is one; the following indices shift by one.
                let first = setting.expansion == 1 ? 0 : 1
                let expand = setting.expansion == 1 ? nil : try weights.convolution(
                    "\(prefix).0.0.weight", batchNorm: "\(prefix).0.1", inputChannels: inputChannels,
                    outputChannels: hidden, kernelSize: 1, activation: .relu6)
                let depthwise = try weights.convolution(
                    "\(prefix).\(first).0.weight", batchNorm: "\(prefix).\(first).1", inputChannels: hidden,
                    outputChannels: hidden, kernelSize: 3, stride: stride, groups: hidden, activation: .relu6)
                let project = try weights.convolution(
                    "\(prefix).\(first + 1).weight", batchNorm: "\(prefix).\(first + 2)", inputChannels: hidden,
                    outputChannels: outputChannels, kernelSize: 1)
                blocks.append(InvertedResidualBlock(expand: expand, depthwise: depthwise, project: project,
                                                    addsResidual: stride == 1 && inputChannels == outputChannels))
                inputChannels = outputChannels
            }
        }
        let headIndex = blocks.count + 1
        let head = try weights.convolution("features.\(headIndex).0.weight", batchNorm: "features.\(headIndex).1",
                                       inputChannels: inputChannels, outputChannels: lastChannels, kernelSize: 1,
                                       activation: .relu6)
        layers = [.convolution(name: "features.0", stem)]
            + blocks.enumerated().map { .invertedResidual(name: "features.\($0.offset + 1)", $0.element) }
            + [.convolution(name: "features.\(headIndex)", head)]
        featureCount = lastChannels
        try weights.throwIfIncomplete()
        classifier = try LinearClassifier.load(from: weights, prefix: "classifier.1", featureCount: lastChannels)
    }
}
