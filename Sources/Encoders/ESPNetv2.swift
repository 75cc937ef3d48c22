import TensorKit

/// ESPNetv2 (Mehta, Rastegari, Shapiro, Hajishirzi, "ESPNetv2: A Light-weight, Power Efficient,
/// and General Purpose Convolutional Neural Network", CVPR 2019), the `EESPNet` of HATNet's
/// model/feature_extractors/espnetv2.py (from EdgeNets), with input reinforcement:
///
///     level 1  CBR 3×3 / 2                               [N, H/2,  W/2,  c0]
///     level 2  DownSampler (+ image)                     [N, H/4,  W/4,  c1]
///     level 3  DownSampler (+ image), 3 × EESP           [N, H/8,  W/8,  c2]
///     level 4  DownSampler (+ image), 7 × EESP           [N, H/16, W/16, c3]
///     level 5  DownSampler, 3 × EESP, depthwise CBR 3×3, grouped CBR 1×1   [N, H/32, W/32, c5]
///
/// with `(c0 … c5)` from ``ESPNetv2Configuration/channelsByScale`` for the scale `s`
/// (0.5, 1.0, 1.25, 1.5, 2.0). State-dict keys follow the reference (`level1.conv.weight`,
/// `level3.0.spp_dw.2.conv.weight`, …); `classifier` is the ImageNet head.
public struct ESPNetv2: Encoder {
    public static let supportedScales: [Double] = [0.5, 1.0, 1.25, 1.5, 2.0]

    public let scale: Double
    public let featureCount: Int
    public let classifier: LinearClassifier?
    let level1: Conv2d
    /// Levels 2 … 5, each a down-sampler followed by its EESP blocks.
    let downSamplers: [ESPNetDownSampler]
    let blocksAfterDownSampler: [[EESPBlock]]
    /// Level 5's depthwise CBR 3×3 and grouped CBR 1×1 expansion.
    let finalDepthwise: Conv2d
    let finalExpansion: Conv2d

    public var name: String { "espnetv2 (s \(scale))" }

    public init(scale: Double = 2.0, weights: EncoderWeights) throws {
        guard let channels = ESPNetv2Configuration.channelsByScale[scale] else {
            throw EncoderWeightError.unsupportedScale(architecture: "espnetv2", scale: scale, supported: ESPNetv2.supportedScales)
        }
        self.scale = scale
        let limits = ESPNetv2Configuration.receptiveFieldLimits
        let branches = ESPNetv2Configuration.branchCount
        level1 = try weights.convolution("level1.conv.weight", batchNorm: "level1.bn", inputChannels: 3,
                                         outputChannels: channels[0], kernelSize: 3, stride: 2,
                                         activation: try weights.prelu("level1.act.weight", channels: channels[0]))
        var downSamplers = [ESPNetDownSampler](), blocksAfter = [[EESPBlock]]()
        for level in 2...5 {
            // Down-sampler of level L uses the receptive-field limit of level L − 2 (as the reference does).
            downSamplers.append(try ESPNetDownSampler(
                weights: weights, prefix: "level\(level)_0", inputChannels: channels[level - 2], outputChannels: channels[level - 1],
                receptiveFieldLimit: limits[level - 2], usesInputReinforcement: level < 5))
            let repeats = level == 2 ? 0 : ESPNetv2Configuration.repeatsAtLevels3To5[level - 3]
            blocksAfter.append(try (0..<repeats).map { index in
                try EESPBlock(weights: weights, prefix: "level\(level).\(index)", inputChannels: channels[level - 1],
                              outputChannels: channels[level - 1], downSampling: false, receptiveFieldLimit: limits[level - 1])
            })
        }
        self.downSamplers = downSamplers
        self.blocksAfterDownSampler = blocksAfter
        let lastBlocks = ESPNetv2Configuration.repeatsAtLevels3To5[2]
        finalDepthwise = try weights.convolution("level5.\(lastBlocks).conv.weight", batchNorm: "level5.\(lastBlocks).bn",
                                                 inputChannels: channels[4], outputChannels: channels[4], kernelSize: 3,
                                                 groups: channels[4],
                                                 activation: try weights.prelu("level5.\(lastBlocks).act.weight", channels: channels[4]))
        finalExpansion = try weights.convolution("level5.\(lastBlocks + 1).conv.weight", batchNorm: "level5.\(lastBlocks + 1).bn",
                                                 inputChannels: channels[4], outputChannels: channels[5], kernelSize: 1,
                                                 groups: branches,
                                                 activation: try weights.prelu("level5.\(lastBlocks + 1).act.weight", channels: channels[5]))
        featureCount = channels[5]
        try weights.throwIfIncomplete()
        classifier = try LinearClassifier.load(from: weights, prefix: "classifier", featureCount: channels[5])
    }

    /// `images` is `[N, H, W, 3]`; returns `[N, H/32, W/32, c5]`.
    public func featureMap(_ images: FeatureMap) -> FeatureMap {
        var x = level1(images)
        // The reference pools the image again from full size in every down-sampler until its
        // width matches; pooling is deterministic, so each size is computed once here.
        var pooledImage = images
        for (downSampler, blocks) in zip(downSamplers, blocksAfterDownSampler) {
            var matchingImage: FeatureMap? = nil
            if downSampler.reinforcement != nil {
                let targetWidth = downSampler.eesp.branches[0].geometry.outputWidth(inputWidth: x.width)
                repeat {
                    let previousWidth = pooledImage.width
                    pooledImage = pooledImage.averagePooled()
                    precondition(pooledImage.width < previousWidth || pooledImage.width == targetWidth,
                                 "ESPNetv2: the pooled image never reaches width \(targetWidth)")
                } while pooledImage.width != targetWidth
                matchingImage = pooledImage
            }
            x = downSampler(x, pooledImage: matchingImage)
            for block in blocks { x = block(x) }
        }
        return finalExpansion(finalDepthwise(x))
    }
}
