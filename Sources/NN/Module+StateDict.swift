import TensorKit

/// Why a state dict does not fit a module.
public enum StateDictError: Error, CustomStringConvertible, Equatable {
    case missing(keys: [String])
    case unexpected(keys: [String])
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .missing(keys): return "missing tensors: \(keys.joined(separator: ", "))"
        case let .unexpected(keys): return "unexpected tensors (not parameters of this model): \(keys.joined(separator: ", "))"
        case let .shapeMismatch(key, expected, found):
            return "tensor '\(key)' has shape \(found), but the model expects \(expected)"
        }
    }
}

extension Module {
    /// The parameters as `(key, tensor)` pairs in registration order (PyTorch's `state_dict()`).
    public func stateDict() -> [(key: String, tensor: Tensor)] {
        namedParameters().map { ($0.name, $0.parameter.value.detached()) }
    }

    /// Copies tensors into the parameters with the same keys (PyTorch's `load_state_dict`).
    ///
    /// Every shape is checked before anything is assigned, so a failed load leaves the module
    /// unchanged. With `strict`, missing and unexpected keys are errors.
    public func loadStateDict(_ tensors: [String: Tensor], strict: Bool = true) throws {
        let parameters = namedParameters()
        let missing = parameters.map(\.name).filter { tensors[$0] == nil }
        if strict && !missing.isEmpty { throw StateDictError.missing(keys: missing) }
        if strict {
            let known = Set(parameters.map(\.name))
            let unexpected = tensors.keys.filter { !known.contains($0) }.sorted()
            if !unexpected.isEmpty { throw StateDictError.unexpected(keys: unexpected) }
        }
        for (name, parameter) in parameters {
            if let tensor = tensors[name], tensor.shape != parameter.shape {
                throw StateDictError.shapeMismatch(key: name, expected: parameter.shape, found: tensor.shape)
            }
        }
        for (name, parameter) in parameters {
            if let tensor = tensors[name] { parameter.assign(tensor) }
        }
    }
}
