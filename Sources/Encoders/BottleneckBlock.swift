import TensorKit

/// The ResNet bottleneck (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016)
/// as torchvision defines it ("ResNet v1.5": the stride sits on the 3×3 convolution):
///
///     x ─► 1×1 + BN + ReLU ─► 3×3 (stride s) + BN + ReLU ─► 1×1 (4·planes) + BN ─► (+ shortcut) ─► ReLU
///
/// The shortcut is `x`, or a strided 1×1 convolution + BN (`downsample`) when the shape changes.
/// Every BatchNorm is folded into its convolution; the last ReLU is fused with the residual add.
struct BottleneckBlock: Sendable {
    let reduce: Conv2d
    let spatial: Conv2d
    let expand: Conv2d
    let downsample: Conv2d?

    /// The block at `prefix` (`layer3.5`): `conv1..3`, `bn1..3`, `downsample.{0,1}`.
    init(weights: EncoderWeights, prefix: String, inputChannels: Int, planes: Int, stride: Int) throws {
        let outputChannels = planes * ResNet50Truncated.expansion
        reduce = try weights.convolution("\(prefix).conv1.weight", batchNorm: "\(prefix).bn1", inputChannels: inputChannels,
                                         outputChannels: planes, kernelSize: 1, activation: .relu)
        spatial = try weights.convolution("\(prefix).conv2.weight", batchNorm: "\(prefix).bn2", inputChannels: planes,
                                          outputChannels: planes, kernelSize: 3, stride: stride, activation: .relu)
        expand = try weights.convolution("\(prefix).conv3.weight", batchNorm: "\(prefix).bn3", inputChannels: planes,
                                         outputChannels: outputChannels, kernelSize: 1, activation: .relu)
        downsample = stride == 1 && inputChannels == outputChannels ? nil : try weights.convolution(
            "\(prefix).downsample.0.weight", batchNorm: "\(prefix).downsample.1", inputChannels: inputChannels,
            outputChannels: outputChannels, kernelSize: 1, stride: stride, padding: .symmetric(0))
    }

    /// `x` is `[N, H, W, Cin]`; returns `[N, H/s, W/s, 4·planes]`.
    func callAsFunction(_ input: FeatureMap) -> FeatureMap {
        let shortcut = downsample.map { $0(input) } ?? input
        return expand(spatial(reduce(input)), addingResidual: shortcut)
    }
}
