
/// Base class of every layer and model, after PyTorch's `nn.Module` and MLX's `Module`.
///
/// A subclass lists its parameters and sub-modules under the names PyTorch uses in its state dict
/// (``ownParameters`` and ``children``), so `namedParameters()` yields keys such as
/// `attn_ovr_words.self_attn.linear_keys.weight` and the authors' checkpoints load unchanged.
open class Module {
    /// Training mode enables dropout; evaluation mode (``eval()``) disables it.
    public private(set) var isTraining = true

    public init() {}

    /// This module's own parameters, by state-dict name (e.g. `weight`, `bias`).
    open var ownParameters: [(name: String, parameter: Parameter)] { [] }

    /// Direct sub-modules, by state-dict name (e.g. `self_attn`, `ffn`).
    open var children: [(name: String, module: Module)] { [] }

    /// Every parameter of this module and its descendants, with dotted PyTorch state-dict keys,
    /// in registration order.
    public func namedParameters(prefix: String = "") -> [(name: String, parameter: Parameter)] {
        var result = ownParameters.map { (prefix + $0.name, $0.parameter) }
        for (name, child) in children {
            result += child.namedParameters(prefix: prefix + name + ".")
        }
        return result
    }

    /// All parameters, in ``namedParameters(prefix:)`` order.
    public var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// Switches this module and its descendants to training or evaluation mode.
    public func train(_ training: Bool = true) {
        isTraining = training
        for (_, child) in children { child.train(training) }
    }

    /// Evaluation mode: dropout off (PyTorch's `model.eval()`).
    public func eval() { train(false) }

    /// Clears the accumulated gradient of every parameter.
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}
