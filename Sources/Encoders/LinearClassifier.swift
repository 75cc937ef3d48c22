import TensorKit

/// The ImageNet head that sits after the pooled features of a backbone (`nn.Linear(F, classes)`):
/// `logits = features · Wᵀ + b`. HATNet discards it; `hatnet encode --logits` uses it to check a
/// backbone against known ImageNet classes.
public struct LinearClassifier: Sendable {
    /// `[classes, F]`.
    public let weight: Tensor
    /// `[classes]`.
    public let bias: Tensor

    public init(weight: Tensor, bias: Tensor) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[0]],
                     "LinearClassifier: weight \(weight.shape) and bias \(bias.shape) do not fit")
        self.weight = weight
        self.bias = bias
    }

    public var classCount: Int { weight.shape[0] }

    /// `features` is `[N, F]`; returns `[N, classes]`.
    public func logits(_ features: Tensor) -> Tensor {
        features.matmul(weight, transposeB: true) + bias
    }

    /// Reads `prefix.weight` / `prefix.bias` when the file has them (classifiers are optional).
    static func load(from weights: EncoderWeights, prefix: String, featureCount: Int) throws -> LinearClassifier? {
        guard let weight = weights.tensors[prefix + ".weight"], let bias = weights.tensors[prefix + ".bias"] else { return nil }
        guard weight.rank == 2, weight.shape[1] == featureCount else {
            throw EncoderWeightError.misshapenTensor(file: weights.source, name: prefix + ".weight",
                                                     expected: [weight.shape.first ?? 0, featureCount], actual: weight.shape)
        }
        guard bias.shape == [weight.shape[0]] else {
            throw EncoderWeightError.misshapenTensor(file: weights.source, name: prefix + ".bias",
                                                     expected: [weight.shape[0]], actual: bias.shape)
        }
        return LinearClassifier(weight: weight, bias: bias)
    }
}
