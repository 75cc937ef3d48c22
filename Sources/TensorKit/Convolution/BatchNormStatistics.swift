/// The inference-time parameters of a PyTorch `nn.BatchNorm2d`: `y = γ·(x − μ)/√(σ² + ε) + β`,
/// i.e. a per-channel affine map `y = scale·x + shift` that can be folded into the preceding
/// convolution (Ioffe & Szegedy 2015).
public struct BatchNormStatistics: Sendable {
    public var weight: [Float]
    public var bias: [Float]
    public var runningMean: [Float]
    public var runningVariance: [Float]
    public var epsilon: Float

    public init(weight: [Float], bias: [Float], runningMean: [Float], runningVariance: [Float], epsilon: Float = 1e-5) {
        precondition(bias.count == weight.count && runningMean.count == weight.count && runningVariance.count == weight.count,
                     "BatchNormStatistics: weight \(weight.count), bias \(bias.count), mean \(runningMean.count), variance \(runningVariance.count) differ")
        self.weight = weight
        self.bias = bias
        self.runningMean = runningMean
        self.runningVariance = runningVariance
        self.epsilon = epsilon
    }

    public var channels: Int { weight.count }

    /// `γ / √(σ² + ε)` per channel.
    public var scale: [Float] {
        (0..<channels).map { weight[$0] / (runningVariance[$0] + epsilon).squareRoot() }
    }

    /// `β − μ·scale` per channel.
    public var shift: [Float] {
        let scale = self.scale
        return (0..<channels).map { bias[$0] - runningMean[$0] * scale[$0] }
    }
}
