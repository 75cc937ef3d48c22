import TensorKit

extension EncoderWeights {
    /// A bias-free `nn.Conv2d` at `weightName` (`[Cout, Cin / groups, k, k]`) followed by the
    /// BatchNorm at `batchNormPrefix`, folded into one ``Conv2d`` with a fused activation.
    ///
    /// - Parameters:
    ///   - padding: defaults to PyTorch's usual `(k − 1) / 2 · dilation` on every side.
    func convolution(_ weightName: String, batchNorm batchNormPrefix: String?,
                     inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1,
                     dilation: Int = 1, groups: Int = 1, padding: Padding? = nil,
                     activation: Activation = .identity, batchNormEpsilon: Float = 1e-5) throws -> Conv2d {
        let weight = try tensor(weightName, shape: [outputChannels, inputChannels / groups, kernelSize, kernelSize])
        let batchNorm = try batchNormPrefix.map { try self.batchNorm($0, channels: outputChannels, epsilon: batchNormEpsilon) }
        let geometry = ConvolutionGeometry(kernelSize: kernelSize, stride: stride,
                                           padding: padding ?? .symmetric((kernelSize - 1) / 2 * dilation),
                                           dilation: dilation, groups: groups)
        return Conv2d(weight: weight, batchNorm: batchNorm, geometry: geometry, activation: activation)
    }

    /// `nn.PReLU(channels)` at `name` (`[C]` slopes).
    func prelu(_ name: String, channels: Int) throws -> Activation {
        .prelu(slopes: try vector(name, count: channels))
    }
}
