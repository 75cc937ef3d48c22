/// An n-dimensional, row-major (C-contiguous) tensor of `Float` with value semantics.
///
/// Storage is a Swift `Array`, so copies share memory until one of them is mutated
/// (copy-on-write). Every operation returns a new tensor; shape rules are checked with
/// `precondition`s whose messages name the operation and both shapes.
///
/// Tensors that take part in gradient computation carry a ``GradNode``: a leaf created with
/// ``requiringGrad()`` or the result of a differentiable operation on such a tensor while
/// ``GradMode`` is enabled. ``backward()`` walks those nodes in reverse (see `Backprop.swift`).
public struct Tensor: @unchecked Sendable {
    /// Extent of every axis, outermost first. A scalar has shape `[]`.
    public let shape: [Int]
    /// Elements in row-major order; `scalars.count == shape.product`.
    public internal(set) var scalars: [Float]
    /// Autograd bookkeeping; `nil` for constants.
    public internal(set) var node: GradNode?

    /// Creates a tensor from its shape and row-major elements.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(shape.elementCount == scalars.count,
                     "Tensor: shape \(shape) needs \(shape.elementCount) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
        self.node = nil
    }

    init(shape: [Int], scalars: [Float], node: GradNode?) {
        self.shape = shape
        self.scalars = scalars
        self.node = node
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.elementCount))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A 0-dimensional tensor holding one value.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A 1-dimensional tensor holding `values`.
    public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { scalars.count }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(scalars.count == 1, "Tensor.item: tensor of shape \(shape) has \(scalars.count) elements, expected 1")
        return scalars[0]
    }

    /// Resolves a possibly negative axis (`-1` is the last axis) against this tensor's rank.
    public func normalizedAxis(_ axis: Int, function: String = #function) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank,
                     "\(function): axis \(axis) is out of range for shape \(shape)")
        return resolved
    }

    /// Element access by full index (slow; for tests and small tensors).
    public subscript(index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "Tensor subscript: \(index.count) indices for shape \(shape)")
        var flat = 0
        for (axis, position) in index.enumerated() {
            precondition(position >= 0 && position < shape[axis],
                         "Tensor subscript: index \(index) out of range for shape \(shape)")
            flat = flat * shape[axis] + position
        }
        return flat
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(scalars.count > 8 ? ", …" : "")])"
    }
}

extension Array where Element == Int {
    /// Product of the extents (1 for the empty shape of a scalar).
    public var elementCount: Int { reduce(1, *) }

    /// Row-major strides for this shape.
    public var contiguousStrides: [Int] {
        var strides = [Int](repeating: 1, count: count)
        var running = 1
        for axis in stride(from: count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= self[axis]
        }
        return strides
    }
}
