import TensorKit

/// CLAM's default patch encoder `resnet50_trunc` (Lu et al., "Data-efficient and weakly supervised
/// computational pathology on whole-slide images", Nature BME 2021; CLAM models/resnet_custom.py):
/// torchvision's ResNet-50 (He et al., CVPR 2016) through `layer3`, then the mean over H and W —
/// 1024 features per word.
///
///     7×7/2 conv + BN + ReLU ─► 3×3/2 max pool ─► layer1 (3 × 256) ─► layer2 (4 × 512, /2) ─► layer3 (6 × 1024, /2)
///
/// State-dict keys are torchvision's (`conv1.weight`, `bn1.*`, `layer3.5.bn2.running_var`, …), so
/// a full ResNet-50 checkpoint loads too (`layer4` and `fc` are ignored). ImageNet weights are not
/// in any PyPI wheel: they are the file torchvision downloads
/// (`torchvision.models.resnet50(weights="IMAGENET1K_V1")`, `resnet50-0676ba61.pth`; CLAM uses the
/// older `resnet50-19c8e357.pth`), which the user supplies with `--weights`.
public struct ResNet50Truncated: Encoder {
    /// Output channels per bottleneck = 4 · planes.
    static let expansion = 4
    /// `(blocks, planes, stride)` of layer1 … layer3.
    static let layers: [(blocks: Int, planes: Int, stride: Int)] = [(3, 64, 1), (4, 128, 2), (6, 256, 2)]

    public let featureCount = 1024
    public var classifier: LinearClassifier? { nil }
    public var name: String { "resnet50-trunc" }
    let stem: Conv2d
    let blocks: [BottleneckBlock]

    /// Builds the network from a state dict with torchvision's key names.
    public init(weights: EncoderWeights) throws {
        stem = try weights.convolution("conv1.weight", batchNorm: "bn1", inputChannels: 3, outputChannels: 64,
                                       kernelSize: 7, stride: 2, activation: .relu)
        var blocks = [BottleneckBlock]()
        var inputChannels = 64
        for (layerIndex, layer) in Self.layers.enumerated() {
            for blockIndex in 0..<layer.blocks {
                blocks.append(try BottleneckBlock(weights: weights, prefix: "layer\(layerIndex + 1).\(blockIndex)",
                                                  inputChannels: inputChannels, planes: layer.planes,
                                                  stride: blockIndex == 0 ? layer.stride : 1))
                inputChannels = layer.planes * Self.expansion
            }
        }
        self.blocks = blocks
        try weights.throwIfIncomplete()
    }

    /// `images` is `[N, H, W, 3]`; returns `[N, ⌈H/16⌉, ⌈W/16⌉, 1024]` (the layer3 map).
    public func featureMap(_ images: FeatureMap) -> FeatureMap {
        var x = stem(images).maxPooled(kernelSize: 3, stride: 2, padding: 1)
        for block in blocks { x = block(x) }
        return x
    }
}
