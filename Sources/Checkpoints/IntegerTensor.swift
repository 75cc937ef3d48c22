import TensorKit

/// An integer tensor kept exactly, such as BatchNorm's `num_batches_tracked` counter or a
/// class label (PyTorch int64, or int32/uint8/bool widened to `Int64`).
public struct IntegerTensor: Equatable, Sendable {
    /// Extent of every axis, outermost first.
    public let shape: [Int]
    /// Elements in row-major order.
    public let values: [Int64]

    /// Creates an integer tensor; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Int64]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == values.count,
                     "IntegerTensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        self.shape = shape
        self.values = values
    }

    /// The same values as a Float tensor (exact up to 2²⁴).
    public var floatTensor: Tensor {
        Tensor(shape: shape, scalars: values.map { Float($0) })
    }
}
