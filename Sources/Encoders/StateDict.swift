import TensorKit

/// A PyTorch state dict: float tensors by their PyTorch key (`features.1.conv.0.0.weight`), plus
/// the name of the file they came from so that errors can point at it.
///
/// Encoders pull their tensors out with ``tensor(_:shape:)``, which checks the shape and records
/// which keys were used; a missing key is remembered rather than thrown at once, so one error can
/// list every missing tensor (``throwIfIncomplete()``).
public final class StateDict {
    /// The file name shown in errors.
    public let source: String
    public let tensors: [String: Tensor]
    private(set) var missingNames: [String] = []

    public init(tensors: [String: Tensor], source: String) {
        self.tensors = tensors
        self.source = source
    }

    /// Whether the dictionary holds `name` (e.g. an optional classifier).
    public func contains(_ name: String) -> Bool { tensors[name] != nil }

    /// The tensor called `name`, which must have shape `shape`.
    ///
    /// A missing tensor is recorded and replaced by zeros so construction can go on and report all
    /// missing names together; a tensor of another shape throws at once.
    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let tensor = tensors[name] else {
            missingNames.append(name)
            return Tensor.zeros(shape)
        }
        guard tensor.shape == shape else {
            throw EncoderWeightError.misshapenTensor(file: source, name: name, expected: shape, actual: tensor.shape)
        }
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
