/// The differentiable operations the autograd graph knows, each with the inputs (and any
/// forward-pass values) its backward rule needs. The rules themselves live in `Backprop.swift`.
///
/// Composite layers (attention, FFN, losses) are built from these primitives; only softmax,
/// log-softmax, layer norm and p-norms are fused, each for numerical stability or speed, and each
/// is tested against its composed twin.
indirect enum Operation {
    case leaf

    // Element-wise binary, with broadcasting.
    case add(Tensor, Tensor)
    case subtract(Tensor, Tensor)
    case multiply(Tensor, Tensor)
    case divide(Tensor, Tensor)

    /// `x * scale + shift` with constant scalars (covers negation and scalar arithmetic).
    case affine(Tensor, scale: Float)

    // Element-wise unary; `output` is kept where the derivative is cheapest from it.
    case exp(Tensor, output: Tensor)
    case log(Tensor)
    case sqrt(Tensor, output: Tensor)
    case power(Tensor, exponent: Float)
    case tanh(Tensor, output: Tensor)
    case sigmoid(Tensor, output: Tensor)
    case relu(Tensor)
    case relu6(Tensor)
    case clamp(Tensor, min: Float, max: Float)
    case abs(Tensor)

    // Reductions.
    case sum(Tensor, axis: Int, keepDims: Bool)
    case max(Tensor, axis: Int, keepDims: Bool, argmax: [Int])
    case norm(Tensor, p: Int, axis: Int, keepDims: Bool, output: Tensor)

    // Shape.
    case reshape(Tensor)
    case permute(Tensor, permutation: [Int])
    case slice(Tensor, axis: Int, range: Range<Int>)
    case concat([Tensor], axis: Int)
    case broadcast(Tensor)
    case indexSelect(Tensor, axis: Int, indices: [Int])
    case gather(Tensor, axis: Int, indices: [Int], indexShape: [Int])

    // Linear algebra.
    case matmul(Tensor, Tensor, transposeA: Bool, transposeB: Bool)
    /// `input · weightᵀ + bias` (see `Tensor.linear`).
    case linear(Tensor, weight: Tensor, bias: Tensor?)

    /// Fused scaled dot-product attention (see `Tensor.attention`): softmax probabilities of every
    /// head, the dropout keep-mask, the worker count and the kernel family of the backward kernel are saved.
    case attention(Tensor, Tensor, Tensor, probabilities: [Float], mask: [UInt8]?, keepScale: Float, workers: Int,
                   path: KernelPath)

    // Fused normalisations.
    case softmax(Tensor, axis: Int, output: Tensor)
    case logSoftmax(Tensor, axis: Int, output: Tensor)
    case layerNorm(Tensor, weight: Tensor?, bias: Tensor?, normalized: Tensor, inverseStd: [Float])

    /// The tensors this operation read, in the order `inputGradients` returns their gradients.
    var inputs: [Tensor] {
        switch self {
        case .leaf: return []
        case let .add(a, b), let .subtract(a, b), let .multiply(a, b), let .divide(a, b): return [a, b]
        case let .matmul(a, b, _, _): return [a, b]
        case let .linear(input, weight, bias): return [input, weight] + (bias.map { [$0] } ?? [])
        case let .attention(query, key, value, _, _, _, _, _): return [query, key, value]
        case let .affine(x, _), let .exp(x, _), let .log(x), let .sqrt(x, _), let .power(x, _),
             let .tanh(x, _), let .sigmoid(x, _), let .relu(x), let .relu6(x), let .clamp(x, _, _),
             let .abs(x), let .sum(x, _, _), let .max(x, _, _, _), let .norm(x, _, _, _, _),
             let .reshape(x), let .permute(x, _), let .slice(x, _, _), let .broadcast(x),
             let .indexSelect(x, _, _), let .gather(x, _, _, _), let .softmax(x, _, _),
             let .logSoftmax(x, _, _):
            return [x]
        case let .concat(parts, _): return parts
        case let .layerNorm(x, weight, bias, _, _):
            return [x] + [weight, bias].compactMap { $0 }
        }
    }

    /// A short name for error messages.
    var name: String {
        Mirror(reflecting: self).children.first?.label ?? "leaf"
    }
}
