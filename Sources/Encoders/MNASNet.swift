import TensorKit

/// MnasNet-B1 (Tan et al., "MnasNet: Platform-Aware Neural Architecture Search for Mobile",
/// CVPR 2019) exactly as torchvision's `MNASNet(alpha)` (HATNet's model/feature_extractors/mnasnet.py):
/// a 3×3 stride-2 stem, a depthwise-separable block, six stacks of inverted residuals with ReLU and
/// a 1×1 head to 1280 channels.
///
/// State-dict keys: `layers.{0,1}` stem, `layers.{3,4}` depthwise, `layers.{6,7}` pointwise,
/// `layers.8 … layers.13` stacks (`layers.s.r.layers.{0,1,3,4,6,7}`), `layers.{14,15}` head,
/// `classifier.1` (ignored unless logits are asked for). Only torchvision's current (version 2)
/// stem layout is supported, which is the only one for alpha 1.0.
public struct MNASNet: LayerChainEncoder {
    /// `(kernel, stride, expansion, repeats)` of the six stacks (output depths from ``depths(alpha:)``).
    static let stackSettings: [(kernelSize: Int, stride: Int, expansion: Int, repeats: Int)] = [
        (3, 2, 3, 3), (5, 2, 3, 3), (5, 2, 6, 3), (3, 1, 6, 2), (5, 2, 6, 4), (3, 1, 6, 1),
    ]
    public static let headChannels = 1280

    public let alpha: Double
    public let featureCount = MNASNet.headChannels
    public let classifier: LinearClassifier?
    /// `layers.0` (stem), `layers.3` (the depthwise-separable block `layers.3 … 7`: an inverted
    /// residual without expansion or residual, so it runs fused like the stacks), `layers.S.R`
    /// (stack S, repeat R), `layers.14` (head).
    public let layers: [ChainLayer]

    public var name: String { "mnasnet (alpha \(alpha))" }

    /// torchvision's `_get_depths`: `[32, 16, 24, 40, 80, 96, 192, 320]` scaled by `alpha`, rounded
    /// to multiples of 8 preferring to round up.
    static func depths(alpha: Double) -> [Int] {
        [32, 16, 24, 40, 80, 96, 192, 320].map { roundChannels(Double($0) * alpha) }
    }

    public init(alpha: Double = 1.0, weights: EncoderWeights) throws {
        precondition(alpha > 0, "MNASNet: alpha must be positive")
        self.alpha = alpha
        let depths = MNASNet.depths(alpha: alpha)
        let stem = try weights.convolution("layers.0.weight", batchNorm: "layers.1", inputChannels: 3,
                                       outputChannels: depths[0], kernelSize: 3, stride: 2, activation: .relu)
        let separableDepthwise = try weights.convolution("layers.3.weight", batchNorm: "layers.4", inputChannels: depths[0],
                                                         outputChannels: depths[0], kernelSize: 3, groups: depths[0], activation: .relu)
        let separablePointwise = try weights.convolution("layers.6.weight", batchNorm: "layers.7", inputChannels: depths[0],
                                                         outputChannels: depths[1], kernelSize: 1)
        let separable = InvertedResidualBlock(expand: nil, depthwise: separableDepthwise, project: separablePointwise, addsResidual: false)
        var blocks = [ChainLayer]()
        var inputChannels = depths[1]
        for (stackIndex, setting) in MNASNet.stackSettings.enumerated() {
            let outputChannels = depths[stackIndex + 2]
            for repeatIndex in 0..<setting.repeats {
                let prefix = "layers.\(stackIndex + 8).\(repeatIndex).layers"
                let stride = repeatIndex == 0 ? setting.stride : 1
                let middle = inputChannels * setting.expansion
                let expand = try weights.convolution("\(prefix).0.weight", batchNorm: "\(prefix).1", inputChannels: inputChannels,
                                                     outputChannels: middle, kernelSize: 1, activation: .relu)
                let depthwise = try weights.convolution("\(prefix).3.weight", batchNorm: "\(prefix).4", inputChannels: middle,
                                                        outputChannels: middle, kernelSize: setting.kernelSize, stride: stride,
                                                        groups: middle, activation: .relu)
                let project = try weights.convolution("\(prefix).6.weight", batchNorm: "\(prefix).7", inputChannels: middle,
                                                      outputChannels: outputChannels, kernelSize: 1)
                blocks.append(.invertedResidual(name: "layers.\(stackIndex + 8).\(repeatIndex)", InvertedResidualBlock(
                    expand: expand, depthwise: depthwise, project: project, addsResidual: stride == 1 && inputChannels == outputChannels)))
                inputChannels = outputChannels
            }
        }
        let head = try weights.convolution("layers.14.weight", batchNorm: "layers.15", inputChannels: inputChannels,
                                       outputChannels: MNASNet.headChannels, kernelSize: 1, activation: .relu)
        layers = [.convolution(name: "layers.0", stem), .invertedResidual(name: "layers.3", separable)] + blocks
            + [.convolution(name: "layers.14", head)]
        try weights.throwIfIncomplete()
        classifier = try LinearClassifier.load(from: weights, prefix: "classifier.1", featureCount: MNASNet.headChannels)
    }
}
