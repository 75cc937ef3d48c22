import TensorKit

/// The weights an encoder is built from: a PyTorch state dict (float tensors by their PyTorch key,
/// `features.1.conv.0.0.weight`) plus the name of the file they came from, so that errors can
/// point at it.
///
/// Encoders pull their tensors out with ``tensor(_:shape:)``, which checks the shape and records
/// which keys were used; a missing key is remembered rather than thrown at once, so one error can
/// list every missing tensor (``throwIfIncomplete()``).
public final class EncoderWeights {
    /// The file name shown in errors.
    public let source: String
    public let tensors: [String: Tensor]
    private(set) var missingNames: [String] = []
    /// Makes up missing tensors instead of recording them (see ``synthetic(seed:)``).
    private var synthesizer: SyntheticWeights?

    public init(tensors: [String: Tensor], source: String) {
        self.tensors = tensors
        self.source = source
    }

    /// Weights that do not come from a file: every requested tensor is made up with a plausible
    /// distribution (``SyntheticWeights``). For benchmarks, where only shapes matter.
    public static func synthetic(seed: UInt64 = 1) -> EncoderWeights {
        let weights = EncoderWeights(tensors: [:], source: "synthetic weights")
        weights.synthesizer = SyntheticWeights(seed: seed)
        return weights
    }

    /// Whether the dictionary holds `name` (e.g. an optional classifier).
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The tensor called `name`, which must have shape `shape`.
    ///
    /// A missing tensor is recorded and replaced by zeros so construction can go on and report all
    /// missing names together; a tensor of another shape throws at once.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let tensor = tensors[name] else {
            if synthesizer != nil { return synthesizer!.tensor(named: name, shape: shape) }
            missingNames.append(name)
            return Tensor.zeros(shape)
        }
        guard tensor.shape == shape else {
            throw EncoderWeightError.misshapenTensor(file: source, name: name, expected: shape, actual: tensor.shape)
        }
        try tensor.requireFinite("\(source): tensor '\(name)'")
        return tensor
    }

    /// A `[C]` vector (bias, PReLU slopes, BatchNorm statistics) as plain floats.
    public func vector(_ name: String, count: Int) throws -> [Float] {
        try tensor(name, shape: [count]).scalars
    }

    /// The BatchNorm `nn.BatchNorm2d(channels, eps: epsilon)` stored under `prefix`
    /// (`prefix.weight`, `.bias`, `.running_mean`, `.running_var`).
    public func batchNorm(_ prefix: String, channels: Int, epsilon: Float = 1e-5) throws -> BatchNormStatistics {
        BatchNormStatistics(weight: try vector(prefix + ".weight", count: channels),
                            bias: try vector(prefix + ".bias", count: channels),
                            runningMean: try vector(prefix + ".running_mean", count: channels),
                            runningVariance: try vector(prefix + ".running_var", count: channels),
                            epsilon: epsilon)
    }

    /// Throws ``EncoderWeightError/missingTensors(file:names:)`` if any requested tensor was absent.
    public func throwIfIncomplete() throws {
        if !missingNames.isEmpty {
            throw EncoderWeightError.missingTensors(file: source, names: missingNames)
        }
    }
}
