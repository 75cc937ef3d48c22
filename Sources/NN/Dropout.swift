import TensorKit

/// Inverted dropout (Srivastava et al. 2014; PyTorch's `nn.Dropout`): active only in training
/// mode, drawing its masks from the model's shared ``RandomSource``.
public final class Dropout: Module {
    public let probability: Float
    private let randomSource: RandomSource

    public init(probability: Float, randomSource: RandomSource) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.randomSource = randomSource
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        return input.dropout(probability: probability, generator: &randomSource.generator)
    }
}
