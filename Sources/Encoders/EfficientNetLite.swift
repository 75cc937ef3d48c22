import TensorKit

/// EfficientNet-Lite0 (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
/// Networks", ICML 2019; the "Lite" variant of the TensorFlow repository: no squeeze-and-excitation,
/// ReLU6 instead of swish, stem and head not scaled), exactly as the PyPI package
/// `efficientnet-lite-pytorch==0.1.0` builds `EfficientNet.from_name('efficientnet-lite0')`:
///
/// - BatchNorm epsilon 1e-3;
/// - TensorFlow "SAME" padding computed once for the nominal 224×224 input
///   (`Conv2dStaticSamePadding`): stride-2 layers pad one row/column less at the top/left than at
///   the bottom/right. Like the reference, that padding stays fixed whatever the input size.
///
/// State-dict keys: `_conv_stem`, `_bn0`, `_blocks.i._expand_conv/_bn0/_depthwise_conv/_bn1/
/// _project_conv/_bn2`, `_conv_head`, `_bn1`, `_fc` (the ImageNet classifier).
public struct EfficientNetLite: LayerChainEncoder {
    /// `(repeats, kernel, stride, expansion, input, output)` of efficientnet-lite0's seven stages
    /// (`r1_k3_s11_e1_i32_o16`, … in the reference's block strings).
    static let stageSettings: [(repeats: Int, kernelSize: Int, stride: Int, expansion: Int, inputChannels: Int, outputChannels: Int)] = [
        (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
        (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
    ]
    /// The resolution the static padding is computed for (`efficientnet_params('efficientnet-lite0')`).
    public static let nominalImageSize = 224
    static let batchNormEpsilon: Float = 1e-3
    public static let headChannels = 1280

    public let featureCount = EfficientNetLite.headChannels
    public let classifier: LinearClassifier?
    /// `_conv_stem`, `_blocks.0 … 15`, `_conv_head`.
    public let layers: [ChainLayer]

    public var name: String { "efficientnet-lite0" }

    /// TensorFlow "SAME" padding of a `kernelSize` convolution with `stride` on an `imageSize`
    /// input: the output has `⌈imageSize / stride⌉` pixels, and the odd padded pixel goes after.
    static func samePadding(imageSize: Int, kernelSize: Int, stride: Int) -> Padding {
        let outputSize = (imageSize + stride - 1) / stride
        let total = max((outputSize - 1) * stride + kernelSize - imageSize, 0)
        return Padding(top: total / 2, left: total / 2, bottom: total - total / 2, right: total - total / 2)
    }

    public init(weights: EncoderWeights) throws {
        let epsilon = EfficientNetLite.batchNormEpsilon
        var imageSize = EfficientNetLite.nominalImageSize
        let stem = try weights.convolution("_conv_stem.weight", batchNorm: "_bn0", inputChannels: 3, outputChannels: 32,
                                       kernelSize: 3, stride: 2,
                                       padding: EfficientNetLite.samePadding(imageSize: imageSize, kernelSize: 3, stride: 2),
                                       activation: .relu6, batchNormEpsilon: epsilon)
        imageSize = (imageSize + 1) / 2
        var blocks = [InvertedResidualBlock]()
        for stage in EfficientNetLite.stageSettings {
            var inputChannels = stage.inputChannels
            for repeatIndex in 0..<stage.repeats {
                let prefix = "_blocks.\(blocks.count)."
                let stride = repeatIndex == 0 ? stage.stride : 1
                let middle = inputChannels * stage.expansion
                let expand = stage.expansion == 1 ? nil : try weights.convolution(
                    prefix + "_expand_conv.weight", batchNorm: prefix + "_bn0", inputChannels: inputChannels,
                    outputChannels: middle, kernelSize: 1, padding: .symmetric(0), activation: .relu6, batchNormEpsilon: epsilon)
                let depthwise = try weights.convolution(
                    prefix + "_depthwise_conv.weight", batchNorm: prefix + "_bn1", inputChannels: middle, outputChannels: middle,
                    kernelSize: stage.kernelSize, stride: stride, groups: middle,
                    padding: EfficientNetLite.samePadding(imageSize: imageSize, kernelSize: stage.kernelSize, stride: stride),
                    activation: .relu6, batchNormEpsilon: epsilon)
                let project = try weights.convolution(
                    prefix + "_project_conv.weight", batchNorm: prefix + "_bn2", inputChannels: middle,
                    outputChannels: stage.outputChannels, kernelSize: 1, padding: .symmetric(0), batchNormEpsilon: epsilon)
                blocks.append(InvertedResidualBlock(expand: expand, depthwise: depthwise, project: project,
                                                    addsResidual: stride == 1 && inputChannels == stage.outputChannels))
                imageSize = (imageSize + stride - 1) / stride
                inputChannels = stage.outputChannels
            }
        }
        let head = try weights.convolution("_conv_head.weight", batchNorm: "_bn1", inputChannels: 320,
                                       outputChannels: EfficientNetLite.headChannels, kernelSize: 1, padding: .symmetric(0),
                                       activation: .relu6, batchNormEpsilon: epsilon)
        layers = [.convolution(name: "_conv_stem", stem)]
            + blocks.enumerated().map { .invertedResidual(name: "_blocks.\($0.offset)", $0.element) }
            + [.convolution(name: "_conv_head", head)]
        try weights.throwIfIncomplete()
        classifier = try LinearClassifier.load(from: weights, prefix: "_fc", featureCount: EfficientNetLite.headChannels)
    }
}
