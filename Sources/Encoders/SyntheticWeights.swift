import TensorKit

/// Made-up weights with the statistics of a freshly initialised network, so that a benchmark can
/// run an architecture at any scale without a weight file: convolution filters ~ N(0, 2 / fan-in)
/// (He et al. 2015), linear layers ~ N(0, 1 / fan-in), token and position embeddings ~ N(0, 0.02²)
/// (timm's init), BatchNorm and LayerNorm as identity (γ = 1, β = 0, μ = 0, σ² = 1), PReLU slopes 0.25.
/// Activations then stay in the normal floating-point range, as with trained weights.
struct SyntheticWeights {
    var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    mutating func tensor(named name: String, shape: [Int]) -> Tensor {
        if shape.count == 4 {
            let fanIn = shape[1] * shape[2] * shape[3]
            return Tensor.normal(shape, std: (2 / Float(fanIn)).squareRoot(), generator: &generator)
        }
        if shape.count == 2 { return Tensor.normal(shape, std: (1 / Float(max(shape[1], 1))).squareRoot(), generator: &generator) }
        if shape.count == 3 { return Tensor.normal(shape, std: 0.02, generator: &generator) }
        if name.hasSuffix("act.weight") { return Tensor(repeating: 0.25, shape: shape) }
        if name.hasSuffix(".weight") || name.hasSuffix("running_var") || name.hasSuffix(".gamma") { return Tensor.ones(shape) }
        return Tensor.zeros(shape)
    }
}
