import Foundation

/// A tensor viewed as `[outer, axisLength, inner]` around one axis: the layout every reduction,
/// softmax and concatenation kernel works in.
struct AxisView {
    let outer: Int
    let length: Int
    let inner: Int

    init(shape: [Int], axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }

    func reducedShape(_ shape: [Int], axis: Int, keepDims: Bool) -> [Int] {
        var result = shape
        if keepDims { result[axis] = 1 } else { result.remove(at: axis) }
        return result
    }
}

extension Tensor {
    /// Sum along `axis`. Shape `[…, n, …] → […, …]` (or `[…, 1, …]` with `keepDims`).
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let view = AxisView(shape: shape, axis: axis)
        var result = [Float](repeating: 0, count: view.outer * view.inner)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for outer in 0..<view.outer {
                    let targetBase = outer * view.inner
                    for position in 0..<view.length {
                        let sourceBase = (outer * view.length + position) * view.inner
                        for inner in 0..<view.inner { target[targetBase + inner] += source[sourceBase + inner] }
                    }
                }
            }
        }
        return .recorded(shape: view.reducedShape(shape, axis: axis, keepDims: keepDims), scalars: result,
                         .sum(self, axis: axis, keepDims: keepDims), inputs: self)
    }

    /// Sum of all elements, as a scalar tensor (shape `[]`).
    public func sum() -> Tensor {
        reshaped([count]).sum(axis: 0)
    }

    /// Mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let length = shape[normalizedAxis(axis)]
        return sum(axis: axis, keepDims: keepDims) * (1 / Float(length))
    }

    /// Mean of all elements, as a scalar tensor.
    public func mean() -> Tensor { sum() * (1 / Float(count)) }

    /// Maximum along `axis`; the gradient flows to the first maximal element (PyTorch's rule).
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let (values, positions) = maxAndArgmax(axis: axis)
        return .recorded(shape: AxisView(shape: shape, axis: axis).reducedShape(shape, axis: axis, keepDims: keepDims),
                         scalars: values, .max(self, axis: axis, keepDims: keepDims, argmax: positions), inputs: self)
    }

    /// Index of the maximum along `axis` (first one on ties); not differentiable.
    public func argmax(axis: Int) -> [Int] {
        maxAndArgmax(axis: normalizedAxis(axis)).positions
    }

    private func maxAndArgmax(axis: Int) -> (values: [Float], positions: [Int]) {
        let view = AxisView(shape: shape, axis: axis)
        precondition(view.length > 0, "max/argmax: axis \(axis) of shape \(shape) is empty")
        var values = [Float](repeating: -.infinity, count: view.outer * view.inner)
        var positions = [Int](repeating: 0, count: values.count)
        for outer in 0..<view.outer {
            for inner in 0..<view.inner {
                var best = -Float.infinity, bestPosition = 0
                for position in 0..<view.length {
                    let value = scalars[(outer * view.length + position) * view.inner + inner]
                    // NaN propagates as the maximum, as in PyTorch.
                    if value > best || value.isNaN && !best.isNaN { best = value; bestPosition = position }
                }
                values[outer * view.inner + inner] = best
                positions[outer * view.inner + inner] = bestPosition
            }
        }
        return (values, positions)
    }

    /// The p-norm along `axis` for p = 1 (sum of |x|) or p = 2 (Euclidean), as `torch.norm`.
    /// The gradient of the 2-norm at a zero vector is taken as 0, as PyTorch does.
    public func norm(p: Int, axis: Int, keepDims: Bool = false) -> Tensor {
        precondition(p == 1 || p == 2, "norm: p must be 1 or 2, got \(p)")
        let axis = normalizedAxis(axis)
        let view = AxisView(shape: shape, axis: axis)
        var result = [Float](repeating: 0, count: view.outer * view.inner)
        scalars.withUnsafeBufferPointer { source in
            for outer in 0..<view.outer {
                for inner in 0..<view.inner {
                    var accumulator: Float = 0
                    for position in 0..<view.length {
                        let value = source[(outer * view.length + position) * view.inner + inner]
                        accumulator += p == 1 ? Swift.abs(value) : value * value
                    }
                    result[outer * view.inner + inner] = p == 1 ? accumulator : accumulator.squareRoot()
                }
            }
        }
        let outputShape = view.reducedShape(shape, axis: axis, keepDims: keepDims)
        let output = Tensor(shape: outputShape, scalars: result)
        return .recorded(shape: outputShape, scalars: result,
                         .norm(self, p: p, axis: axis, keepDims: keepDims, output: output), inputs: self)
    }
}
