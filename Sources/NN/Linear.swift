import TensorKit

/// Fully connected layer `y = x · Wᵀ + b` (PyTorch's `nn.Linear`; keys `weight`, `bias`).
///
/// Shapes: input `[..., inputFeatures]`, weight `[outputFeatures, inputFeatures]`, output
/// `[..., outputFeatures]`. All leading axes are folded into one GEMM.
public final class Linear: Module {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// Initialised as PyTorch does by default: weight and bias uniform in ±1/√inputFeatures.
    public init(inputFeatures: Int, outputFeatures: Int, bias hasBias: Bool = true, generator: inout SeededGenerator) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear: feature counts must be positive")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = Parameter(Tensor.kaimingUniform([outputFeatures, inputFeatures], generator: &generator))
        let bound = 1 / Float(inputFeatures).squareRoot()
        bias = hasBias ? Parameter(Tensor.uniform([outputFeatures], low: -bound, high: bound, generator: &generator)) : nil
    }

    public override var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inputFeatures,
                     "Linear(\(inputFeatures)→\(outputFeatures)): input shape \(input.shape) must end in \(inputFeatures)")
        let rows = input.reshaped([-1, inputFeatures])
        return rows.linear(weight: weight.value, bias: bias?.value)
            .reshaped(Array(input.shape.dropLast()) + [outputFeatures])
    }
}
