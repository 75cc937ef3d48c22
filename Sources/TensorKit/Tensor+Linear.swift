extension Tensor {
    /// Fully connected layer in one op (`torch.nn.functional.linear`, BLAS's `addmm`):
    /// `self · weightᵀ + bias`, with the bias written into the output first and the product
    /// accumulated onto it by one GEMM (no separate broadcast pass over the output).
    ///
    /// Shapes: `self` `[rows, in]`, `weight` `[out, in]`, `bias` `[out]`; result `[rows, out]`.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(rank == 2 && weight.rank == 2 && weight.shape[1] == shape[1],
                     "linear: input \(shape) and weight \(weight.shape) must be [rows, in] and [out, in]")
        let (rows, inputs, outputs) = (shape[0], shape[1], weight.shape[0])
        if let bias {
            precondition(bias.shape == [outputs], "linear: bias \(bias.shape) must be [\(outputs)]")
        }
        let result = [Float](unsafeUninitializedCapacity: rows * outputs) { buffer, initialized in
            initialized = rows * outputs
            guard let output = buffer.baseAddress else { return }
            if let bias {
                bias.scalars.withUnsafeBufferPointer { values in
                    ParallelLoop.forEachChunk(count: rows, costPerItem: outputs) { range in
                        for row in range { (output + row * outputs).update(from: values.baseAddress!, count: outputs) }
                    }
                }
            }
            scalars.withUnsafeBufferPointer { input in
                weight.scalars.withUnsafeBufferPointer { matrix in
                    guard let inputBase = input.baseAddress, let matrixBase = matrix.baseAddress else {
                        if bias == nil { output.update(repeating: 0, count: rows * outputs) }   // in == 0
                        return
                    }
                    sgemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs,
                          a: inputBase, b: matrixBase, c: output, beta: bias == nil ? 0 : 1)
                }
            }
        }
        guard Tensor.isRecorded([self, weight, bias]) else {
            return Tensor(shape: [rows, outputs], scalars: result)
        }
        return Tensor(shape: [rows, outputs], scalars: result,
                      node: GradNode(operation: .linear(self, weight: weight, bias: bias)))
    }
}
