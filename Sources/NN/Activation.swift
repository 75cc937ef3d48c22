import TensorKit

/// The element-wise activations a configuration can name (`relu`, `tanh`, `sigmoid`, and
/// `softmax` over the last axis), as PyTorch's `nn.ReLU`, `nn.Tanh`, `nn.Sigmoid`, `nn.Softmax(-1)`.
public enum Activation: String, CaseIterable, Sendable {
    case relu, tanh, sigmoid, softmax

    public func callAsFunction(_ input: Tensor) -> Tensor {
        switch self {
        case .relu: return input.relu()
        case .tanh: return input.tanh()
        case .sigmoid: return input.sigmoid()
        case .softmax: return input.softmax(axis: -1)
        }
    }
}
