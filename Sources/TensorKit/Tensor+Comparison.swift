extension Tensor {
    /// The largest element-wise `|self − other|` and its flat index (NaN counts as infinite), for
    /// parity checks against reference outputs. Both tensors must have the same shape.
    public func largestAbsoluteDifference(from other: Tensor) -> (difference: Float, index: Int) {
        precondition(shape == other.shape, "largestAbsoluteDifference: shapes \(shape) and \(other.shape) differ")
        var worst: (difference: Float, index: Int) = (0, 0)
        for index in scalars.indices {
            let difference = Swift.abs(scalars[index] - other.scalars[index])
            if difference.isNaN { return (.infinity, index) }
            if difference > worst.difference { worst = (difference, index) }
        }
        return worst
    }
}
