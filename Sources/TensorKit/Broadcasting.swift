/// NumPy/PyTorch broadcasting rules and the kernels that apply a binary function under them.
public enum Broadcasting {
    /// The shape two operands broadcast to: axes are aligned from the right and an extent of 1
    /// stretches to match the other operand.
    public static func shape(_ lhs: [Int], _ rhs: [Int], operation: String = "broadcast") -> [Int] {
        let rank = Swift.max(lhs.count, rhs.count)
        var result = [Int](repeating: 1, count: rank)
        for offset in 0..<rank {
            let left = offset < lhs.count ? lhs[lhs.count - 1 - offset] : 1
            let right = offset < rhs.count ? rhs[rhs.count - 1 - offset] : 1
            precondition(left == right || left == 1 || right == 1,
                         "\(operation): shapes \(lhs) and \(rhs) cannot be broadcast together")
            result[rank - 1 - offset] = left == 1 ? right : left
        }
        return result
    }

    /// `function(lhs[i], rhs[i])` for arrays of equal length, in parallel chunks.
    @inline(__always)
    static func combineSameShape<Function: BinaryScalarFunction>(_ lhs: [Float], _ rhs: [Float],
                                                                 _ function: Function) -> [Float] {
        lhs.withUnsafeBufferPointer { left in
            rhs.withUnsafeBufferPointer { right in
                let (leftBase, rightBase) = (left.baseAddress, right.baseAddress)
                return ParallelLoop.makeArray(count: left.count) { range, output in
                    for index in range { output[index] = function(leftBase![index], rightBase![index]) }
                }
            }
        }
    }

    /// Strides for reading `shape` as if it had been broadcast to `target` (0 on stretched axes).
    static func strides(of shape: [Int], broadcastTo target: [Int]) -> [Int] {
        let own = shape.contiguousStrides
        let pad = target.count - shape.count
        return (0..<target.count).map { axis in
            axis < pad || shape[axis - pad] == 1 ? 0 : own[axis - pad]
        }
    }

    /// Applies `function` element-wise to `lhs` and `rhs` broadcast to a common shape.
    ///
    /// Fast paths: identical shapes, and a scalar on either side; otherwise an odometer walks the
    /// outer axes and an inner loop runs along the last axis.
    @inline(__always)
    static func apply<Function: BinaryScalarFunction>(_ lhs: Tensor, _ rhs: Tensor, operation: String,
                                                      _ function: Function) -> (shape: [Int], scalars: [Float]) {
        if lhs.shape == rhs.shape {
            return (lhs.shape, combineSameShape(lhs.scalars, rhs.scalars, function))
        }
        let outputShape = shape(lhs.shape, rhs.shape, operation: operation)
        let outputCount = outputShape.elementCount
        if rhs.count == 1 {
            let right = rhs.scalars[0]
            return (outputShape, lhs.scalars.withUnsafeBufferPointer { left in
                let input = left.baseAddress
                return ParallelLoop.makeArray(count: left.count) { range, output in
                    for index in range { output[index] = function(input![index], right) }
                }
            })
        }
        if lhs.count == 1 {
            let left = lhs.scalars[0]
            return (outputShape, rhs.scalars.withUnsafeBufferPointer { right in
                let input = right.baseAddress
                return ParallelLoop.makeArray(count: right.count) { range, output in
                    for index in range { output[index] = function(left, input![index]) }
                }
            })
        }
        let leftStrides = strides(of: lhs.shape, broadcastTo: outputShape)
        let rightStrides = strides(of: rhs.shape, broadcastTo: outputShape)
        let rank = outputShape.count
        let inner = outputShape[rank - 1]
        let leftInner = leftStrides[rank - 1], rightInner = rightStrides[rank - 1]
        let result = [Float](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            lhs.scalars.withUnsafeBufferPointer { left in
                rhs.scalars.withUnsafeBufferPointer { right in
                    var counter = [Int](repeating: 0, count: rank)
                    var leftOffset = 0, rightOffset = 0, outputOffset = 0
                    while outputOffset < outputCount {
                        for position in 0..<inner {
                            buffer[outputOffset + position] = function(left[leftOffset + position * leftInner],
                                                                       right[rightOffset + position * rightInner])
                        }
                        outputOffset += inner
                        // Advance the odometer over the outer axes.
                        var axis = rank - 2
                        while axis >= 0 {
                            counter[axis] += 1
                            leftOffset += leftStrides[axis]
                            rightOffset += rightStrides[axis]
                            if counter[axis] < outputShape[axis] { break }
                            leftOffset -= leftStrides[axis] * counter[axis]
                            rightOffset -= rightStrides[axis] * counter[axis]
                            counter[axis] = 0
                            axis -= 1
                        }
                    }
                }
            }
            initialized = outputCount
        }
        return (outputShape, result)
    }
}

extension Tensor {
    /// Sums a broadcast gradient back down to `targetShape` (the inverse of broadcasting).
    public func summed(toShape targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        var result = self
        let pad = rank - targetShape.count
        precondition(pad >= 0, "summed(toShape:): cannot reduce \(shape) to larger rank \(targetShape)")
        for _ in 0..<pad { result = result.sum(axis: 0) }
        for axis in 0..<targetShape.count where targetShape[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(axis: axis, keepDims: true)
        }
        precondition(result.shape == targetShape, "summed(toShape:): cannot reduce \(shape) to \(targetShape)")
        return result
    }

    /// This tensor repeated along stretched axes to `targetShape`.
    public func broadcast(to targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        let (outShape, values) = Broadcasting.apply(Tensor.zeros(targetShape), self, operation: "broadcast(to:)", ScalarFunctions.SecondOperand())
        precondition(outShape == targetShape, "broadcast(to:): \(shape) does not broadcast to \(targetShape)")
        return .recorded(shape: outShape, scalars: values, .broadcast(self), inputs: self)
    }
}
