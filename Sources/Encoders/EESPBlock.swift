import TensorKit

/// The EESP unit of ESPNetv2 (Mehta et al., "ESPNetv2: A Light-weight, Power Efficient, and
/// General Purpose Convolutional Neural Network", CVPR 2019; nn_layers/eesp.py `EESP`):
///
///     x [N, H, W, Cin]
///     ─► grouped 1×1 (K groups) + BN + PReLU            reduce   → [N, H, W, n],  n = Cout / K
///     ─► K depthwise 3×3 branches, dilations sorted by receptive field, stride s
///        with hierarchical feature fusion: b_i += b_{i−1}  split/transform → K × [N, H/s, W/s, n]
///     ─► concat, BN + PReLU                              merge    → [N, H/s, W/s, Cout]
///     ─► grouped 1×1 (K groups) + BN                     expand
///     ─► (+ x when shapes agree) ─► PReLU                (stride-1 blocks only)
///
/// Stride-2 blocks inside a ``ESPNetDownSampler`` (`down_method='avg'`) return the expansion
/// without residual or activation. The branches are written straight into the channels of the
/// concatenation (each depthwise kernel adds its left neighbour), so no concat copy is made.
struct EESPBlock: Sendable {
    let reduce: Conv2d
    /// Depthwise dilated convolutions, ascending dilation.
    let branches: [Conv2d]
    /// The BatchNorm (as scale/shift) and PReLU applied to the concatenated branches.
    let mergeScale: [Float], mergeShift: [Float], mergeActivation: Activation
    /// Grouped 1×1 + BN; its fused activation is the block's final PReLU (identity for down-sampling).
    let expand: Conv2d
    let addsResidual: Bool

    var outputChannels: Int { expand.outputChannels }

    /// Loads `EESP(nIn, nOut, stride, k=4, r_lim)` from the keys under `prefix`.
    ///
    /// - Parameter downSampling: `down_method='avg'`: stride 2, no residual, no final PReLU.
    init(weights: EncoderWeights, prefix: String, inputChannels: Int, outputChannels: Int, downSampling: Bool,
         receptiveFieldLimit: Int) throws {
        let branchCount = ESPNetv2Configuration.branchCount
        let branchChannels = outputChannels / branchCount
        precondition(branchChannels * branchCount == outputChannels,
                     "EESP: \(outputChannels) outputs do not split into \(branchCount) equal branches")
        reduce = try weights.convolution(prefix + ".proj_1x1.conv.weight", batchNorm: prefix + ".proj_1x1.bn",
                                         inputChannels: inputChannels, outputChannels: branchChannels, kernelSize: 1,
                                         groups: branchCount, activation: try weights.prelu(prefix + ".proj_1x1.act.weight", channels: branchChannels))
        let stride = downSampling ? 2 : 1
        branches = try ESPNetv2Configuration.dilations(receptiveFieldLimit: receptiveFieldLimit).enumerated().map { index, dilation in
            try weights.convolution(prefix + ".spp_dw.\(index).conv.weight", batchNorm: nil, inputChannels: branchChannels,
                                    outputChannels: branchChannels, kernelSize: 3, stride: stride, dilation: dilation,
                                    groups: branchChannels)
        }
        let merge = try weights.batchNorm(prefix + ".br_after_cat.bn", channels: outputChannels)
        mergeScale = merge.scale
        mergeShift = merge.shift
        mergeActivation = try weights.prelu(prefix + ".br_after_cat.act.weight", channels: outputChannels)
        let finalActivation = downSampling ? Activation.identity : try weights.prelu(prefix + ".module_act.weight", channels: outputChannels)
        expand = try weights.convolution(prefix + ".conv_1x1_exp.conv.weight", batchNorm: prefix + ".conv_1x1_exp.bn",
                                         inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 1,
                                         groups: branchCount, activation: finalActivation)
        addsResidual = !downSampling && inputChannels == outputChannels
    }

    /// `x` is `[N, H, W, Cin]`; returns `[N, H/s, W/s, Cout]`.
    func callAsFunction(_ input: FeatureMap) -> FeatureMap {
        let merged = mergedBranches(input)
        return addsResidual ? expand(merged, addingResidual: input) : expand(merged)
    }

    /// Writes the block's output into channels `channelOffset ..< + Cout` of `output`.
    func apply(_ input: FeatureMap, into output: inout FeatureMap, channelOffset: Int) {
        precondition(!addsResidual, "EESPBlock.apply(into:) is for down-sampling blocks")
        expand.apply(mergedBranches(input), into: &output, outputChannelOffset: channelOffset)
    }

    /// Reduce, split/transform with hierarchical fusion, concatenate, BN + PReLU.
    private func mergedBranches(_ input: FeatureMap) -> FeatureMap {
        let reduced = reduce(input)
        let first = branches[0]
        var merged = FeatureMap(uninitializedBatchSize: input.batchSize, height: first.geometry.outputHeight(inputHeight: input.height),
                                width: first.geometry.outputWidth(inputWidth: input.width), channels: outputChannels)
        let branchChannels = reduce.outputChannels
        for (index, branch) in branches.enumerated() {
            branch.apply(reduced, into: &merged, outputChannelOffset: index * branchChannels,
                         mode: index == 0 ? .overwrite : .addChannels(offset: (index - 1) * branchChannels))
        }
        merged.applyChannelAffine(scale: mergeScale, shift: mergeShift, activation: mergeActivation)
        return merged
    }
}
