import Foundation

extension Tensor {
    /// Matrix product over the last two axes, `torch.matmul` style, with optional transposes that
    /// avoid copying.
    ///
    /// Shapes: `self` is `[..., m, k]` (`[..., k, m]` with `transposeA`), `other` is `[..., k, n]`
    /// (`[..., n, k]` with `transposeB`); the result is `[..., m, n]`. Leading (batch) axes must be
    /// equal, or `other` may be a plain matrix shared by every batch element (e.g. a `Linear`
    /// weight), in which case the whole batch runs as one GEMM.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul: needs rank ≥ 2, got \(shape) and \(other.shape)")
        let rowsA = shape[rank - 2], colsA = shape[rank - 1]
        let rowsB = other.shape[other.rank - 2], colsB = other.shape[other.rank - 1]
        let (m, k) = transposeA ? (colsA, rowsA) : (rowsA, colsA)
        let (otherK, n) = transposeB ? (colsB, rowsB) : (rowsB, colsB)
        precondition(k == otherK, "matmul: inner dimensions differ: \(shape)\(transposeA ? "ᵀ" : "") · \(other.shape)\(transposeB ? "ᵀ" : "")")
        let batchShape = Array(shape.dropLast(2))
        let otherBatch = Array(other.shape.dropLast(2))
        precondition(otherBatch.isEmpty || otherBatch == batchShape,
                     "matmul: batch shapes differ: \(shape) · \(other.shape)")
        precondition(!(otherBatch.isEmpty && !batchShape.isEmpty && transposeA),
                     "matmul: transposeA with a shared right-hand matrix is not supported (\(shape) · \(other.shape))")
        let batch = batchShape.elementCount
        let outputShape = batchShape + [m, n]
        // GEMM with beta = 0 overwrites every output element, so the buffer is not zero-filled first.
        let result = [Float](unsafeUninitializedCapacity: outputShape.elementCount) { c, initialized in
            scalars.withUnsafeBufferPointer { a in
                other.scalars.withUnsafeBufferPointer { b in
                    initialized = c.count
                    guard let cBase = c.baseAddress else { return }
                    guard let aBase = a.baseAddress, let bBase = b.baseAddress else {
                        cBase.update(repeating: 0, count: c.count)   // k == 0: an empty sum
                        return
                    }
                    if otherBatch.isEmpty && !transposeA {
                        // [batch·m, k] · [k, n] in one call.
                        sgemm(transposeA: false, transposeB: transposeB, m: batch * m, n: n, k: k, a: aBase, b: bBase, c: cBase)
                    } else {
                        let bStride = otherBatch.isEmpty ? 0 : k * n
                        for index in 0..<batch {
                            sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                  a: aBase + index * m * k, b: bBase + index * bStride, c: cBase + index * m * n)
                        }
                    }
                }
            }
        }
        return .recorded(shape: outputShape, scalars: result,
                         .matmul(self, other, transposeA: transposeA, transposeB: transposeB), inputs: self, other)
    }
}
