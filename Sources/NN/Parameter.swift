import TensorKit

/// A trainable tensor owned by a ``Module``: an autograd leaf whose gradient accumulates across
/// backward passes until ``zeroGrad()``. Optimizers update ``value`` in place.
public final class Parameter {
    /// The current values; a leaf of the autograd graph.
    public private(set) var value: Tensor

    public init(_ initial: Tensor) {
        value = initial.requiringGrad()
    }

    public var shape: [Int] { value.shape }

    /// The gradient accumulated by backward passes since the last ``zeroGrad()``.
    public var grad: Tensor? { value.grad }

    public func zeroGrad() { value.zeroGrad() }

    /// Replaces the values (same shape), keeping the autograd identity. Used by optimizers and
    /// checkpoint loading.
    public func assign(_ newValues: Tensor) {
        precondition(newValues.shape == value.shape,
                     "Parameter.assign: shape \(newValues.shape) differs from parameter shape \(value.shape)")
        value.assignLeafValues(newValues.scalars)
    }
}
