extension Tensor {
    /// The same elements under a new shape with the same element count. One extent may be `-1`
    /// (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(resolved.elementCount == count,
                     "reshaped: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if resolved == shape { return self }
        return .recorded(shape: resolved, scalars: scalars, .reshape(self), inputs: self)
    }

    /// Inserts an axis of extent 1 at `axis` (which may be `rank`, i.e. at the end).
    public func unsqueezed(axis: Int) -> Tensor {
        let position = axis < 0 ? axis + rank + 1 : axis
        precondition(position >= 0 && position <= rank, "unsqueezed: axis \(axis) out of range for shape \(shape)")
        var newShape = shape
        newShape.insert(1, at: position)
        return reshaped(newShape)
    }

    /// Removes the axis `axis`, which must have extent 1.
    public func squeezed(axis: Int) -> Tensor {
        let position = normalizedAxis(axis)
        precondition(shape[position] == 1, "squeezed: axis \(axis) of shape \(shape) has extent \(shape[position]), not 1")
        var newShape = shape
        newShape.remove(at: position)
        return reshaped(newShape)
    }

    /// Axes reordered: output axis `i` is input axis `permutation[i]` (copies the data). Large
    /// tensors are copied in parallel chunks of output rows (``permuteRows(_:into:outputShape:sourceStrides:rows:)``).
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank),
                     "permuted: \(permutation) is not a permutation of the axes of shape \(shape)")
        if permutation == Array(0..<rank) { return self }
        let outputShape = permutation.map { shape[$0] }
        let inputStrides = shape.contiguousStrides
        let permutedStrides = permutation.map { inputStrides[$0] }
        let inner = outputShape[rank - 1]
        let rows = inner == 0 ? 0 : count / inner
        let result = scalars.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: count) { target, initialized in
                if count > 0 {
                    let (input, output) = (source.baseAddress!, target.baseAddress!)
                    ParallelLoop.forEachChunk(count: rows, costPerItem: inner) { chunk in
                        Self.permuteRows(input, into: output, outputShape: outputShape, sourceStrides: permutedStrides, rows: chunk)
                    }
                }
                initialized = count
            }
        }
        return .recorded(shape: outputShape, scalars: result, .permute(self, permutation: permutation), inputs: self)
    }

    /// Output rows `rows` (runs along the last output axis) of a permuted copy: output element
    /// (i₀, …, iₙ) of `outputShape` is `source[Σ iₖ · sourceStrides[k]]`. Rows are independent, so
    /// chunks of them may be filled in parallel.
    static func permuteRows(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, outputShape: [Int],
                            sourceStrides: [Int], rows: Range<Int>) {
        let last = outputShape.count - 1
        let inner = outputShape[last], innerStride = sourceStrides[last]
        // The odometer of the outer axes at the chunk's first row.
        var counter = [Int](repeating: 0, count: last), sourceOffset = 0
        var remainder = rows.lowerBound
        for axis in stride(from: last - 1, through: 0, by: -1) {
            counter[axis] = remainder % outputShape[axis]
            remainder /= outputShape[axis]
            sourceOffset += counter[axis] * sourceStrides[axis]
        }
        var targetOffset = rows.lowerBound * inner
        for _ in rows {
            if innerStride == 1 {
                (target + targetOffset).initialize(from: source + sourceOffset, count: inner)
            } else {
                for position in 0..<inner { target[targetOffset + position] = source[sourceOffset + position * innerStride] }
            }
            targetOffset += inner
            var axis = last - 1
            while axis >= 0 {
                counter[axis] += 1
                sourceOffset += sourceStrides[axis]
                if counter[axis] < outputShape[axis] { break }
                sourceOffset -= sourceStrides[axis] * counter[axis]
                counter[axis] = 0
                axis -= 1
            }
        }
    }

    /// Swaps two axes.
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        var permutation = Array(0..<rank)
        permutation.swapAt(normalizedAxis(first), normalizedAxis(second))
        return permuted(permutation)
    }

    /// The elements whose index along `axis` lies in `range`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice: range \(range) out of bounds for axis \(axis) of shape \(shape)")
        let view = AxisView(shape: shape, axis: axis)
        var outputShape = shape
        outputShape[axis] = range.count
        var result = [Float]()
        result.reserveCapacity(outputShape.elementCount)
        for outer in 0..<view.outer {
            let start = (outer * view.length + range.lowerBound) * view.inner
            result.append(contentsOf: scalars[start..<(start + range.count * view.inner)])
        }
        return .recorded(shape: outputShape, scalars: result, .slice(self, axis: axis, range: range), inputs: self)
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors given")
        let first = parts[0]
        let axis = first.normalizedAxis(axis)
        for part in parts {
            precondition(part.rank == first.rank
                         && part.shape.enumerated().allSatisfy { $0.offset == axis || $0.element == first.shape[$0.offset] },
                         "concat: shape \(part.shape) does not match \(first.shape) outside axis \(axis)")
        }
        var outputShape = first.shape
        outputShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] }
        let outer = first.shape[..<axis].reduce(1, *)
        var result = [Float]()
        result.reserveCapacity(outputShape.elementCount)
        for outerIndex in 0..<outer {
            for part in parts {
                let chunk = part.shape[axis...].reduce(1, *)
                result.append(contentsOf: part.scalars[(outerIndex * chunk)..<((outerIndex + 1) * chunk)])
            }
        }
        guard Tensor.isRecorded(parts) else {
            return Tensor(shape: outputShape, scalars: result)
        }
        return Tensor(shape: outputShape, scalars: result, node: GradNode(operation: .concat(parts, axis: axis)))
    }

    /// Stacks equally shaped tensors along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!parts.isEmpty, "stack: no tensors given")
        return concat(parts.map { $0.unsqueezed(axis: axis) }, axis: axis)
    }

    /// Splits along `axis` into consecutive pieces of the given sizes (which must add up to the extent).
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let resolved = normalizedAxis(axis)
        precondition(sizes.reduce(0, +) == shape[resolved],
                     "split: sizes \(sizes) do not add up to extent \(shape[resolved]) of axis \(axis) in \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: resolved, start..<(start + size))
        }
    }

    /// The slices at `indices` along `axis` (PyTorch's `index_select`); indices may repeat.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let axis = normalizedAxis(axis)
        let view = AxisView(shape: shape, axis: axis)
        for index in indices {
            precondition(index >= 0 && index < view.length, "indexSelect: index \(index) out of range for axis \(axis) of shape \(shape)")
        }
        var outputShape = shape
        outputShape[axis] = indices.count
        var result = [Float]()
        result.reserveCapacity(outputShape.elementCount)
        for outer in 0..<view.outer {
            for index in indices {
                let start = (outer * view.length + index) * view.inner
                result.append(contentsOf: scalars[start..<(start + view.inner)])
            }
        }
        return .recorded(shape: outputShape, scalars: result, .indexSelect(self, axis: axis, indices: indices), inputs: self)
    }

    /// PyTorch's `gather`: `out[i][j][k] = self[i][index[i][j][k]][k]` for `axis` 1, etc.
    /// `indexShape` must match `shape` on every axis but `axis`.
    public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(indexShape.count == rank && indexShape.elementCount == indices.count,
                     "gather: index shape \(indexShape) does not fit \(indices.count) indices for shape \(shape)")
        for dimension in 0..<rank where dimension != axis {
            precondition(indexShape[dimension] == shape[dimension],
                         "gather: index shape \(indexShape) differs from \(shape) on axis \(dimension)")
        }
        let view = AxisView(shape: shape, axis: axis)
        let indexLength = indexShape[axis]
        var result = [Float](repeating: 0, count: indices.count)
        for outer in 0..<view.outer {
            for position in 0..<indexLength {
                for inner in 0..<view.inner {
                    let flat = (outer * indexLength + position) * view.inner + inner
                    let index = indices[flat]
                    precondition(index >= 0 && index < view.length, "gather: index \(index) out of range for axis \(axis) of shape \(shape)")
                    result[flat] = scalars[(outer * view.length + index) * view.inner + inner]
                }
            }
        }
        return .recorded(shape: indexShape, scalars: result,
                         .gather(self, axis: axis, indices: indices, indexShape: indexShape), inputs: self)
    }
}
