import TensorKit

/// ESPNetv2's down-sampling unit (nn_layers/eesp.py `DownSampler`; Mehta et al., CVPR 2019):
///
///     x [N, H, W, Cin] ─┬─ AvgPool 3×3 / 2 ───────────────► channels 0 ..< Cin      ┐
///                       └─ EESP (stride 2, Cout − Cin) ───► channels Cin ..< Cout   ┘ concat
///     image, average-pooled to H/2 ─► CBR 3×3 (3→3) ─► CB 1×1 (3→Cout) ─► + ─► PReLU
///
/// The input-reinforcement path (the RGB image average-pooled down to the output size) is used
/// when the network passes the image; level 5 has the weights but the reference never uses them.
struct ESPNetDownSampler: Sendable {
    let eesp: EESPBlock
    /// `inp_reinf.0` (CBR 3×3 on the image) and `inp_reinf.1` (CB 1×1; its fused activation is the
    /// unit's final PReLU, applied after accumulating onto the concatenation).
    let reinforcement: (imageConvolution: Conv2d, projection: Conv2d)?
    let activation: Activation
    let inputChannels: Int
    let outputChannels: Int

    init(weights: EncoderWeights, prefix: String, inputChannels: Int, outputChannels: Int, receptiveFieldLimit: Int,
         usesInputReinforcement: Bool) throws {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        eesp = try EESPBlock(weights: weights, prefix: prefix + ".eesp", inputChannels: inputChannels,
                             outputChannels: outputChannels - inputChannels, downSampling: true,
                             receptiveFieldLimit: receptiveFieldLimit)
        activation = try weights.prelu(prefix + ".act.weight", channels: outputChannels)
        if usesInputReinforcement {
            let imageChannels = ESPNetv2Configuration.imageChannels
            let imageConvolution = try weights.convolution(
                prefix + ".inp_reinf.0.conv.weight", batchNorm: prefix + ".inp_reinf.0.bn", inputChannels: imageChannels,
                outputChannels: imageChannels, kernelSize: 3,
                activation: try weights.prelu(prefix + ".inp_reinf.0.act.weight", channels: imageChannels))
            let projection = try weights.convolution(
                prefix + ".inp_reinf.1.conv.weight", batchNorm: prefix + ".inp_reinf.1.bn", inputChannels: imageChannels,
                outputChannels: outputChannels, kernelSize: 1, activation: activation)
            reinforcement = (imageConvolution, projection)
        } else {
            reinforcement = nil
        }
    }

    /// `x` is `[N, H, W, Cin]`; `pooledImage` is the RGB input average-pooled to `[N, ⌈H/2⌉, ⌈W/2⌉, 3]`
    /// (required when the unit has an input-reinforcement path). Returns `[N, ⌈H/2⌉, ⌈W/2⌉, Cout]`.
    func callAsFunction(_ input: FeatureMap, pooledImage: FeatureMap?) -> FeatureMap {
        let geometry = eesp.branches[0].geometry
        var output = FeatureMap(uninitializedBatchSize: input.batchSize, height: geometry.outputHeight(inputHeight: input.height),
                                width: geometry.outputWidth(inputWidth: input.width), channels: outputChannels)
        input.averagePool(into: &output, channelOffset: 0)
        eesp.apply(input, into: &output, channelOffset: inputChannels)
        if let reinforcement {
            guard let pooledImage else { preconditionFailure("ESPNetDownSampler: the input-reinforcement path needs the pooled image") }
            precondition(pooledImage.height == output.height && pooledImage.width == output.width,
                         "ESPNetDownSampler: pooled image is \(pooledImage.height)×\(pooledImage.width), output \(output.height)×\(output.width)")
            reinforcement.projection.apply(reinforcement.imageConvolution(pooledImage), into: &output, mode: .accumulate)
        } else {
            output.applyActivation(activation)
        }
        return output
    }
}
