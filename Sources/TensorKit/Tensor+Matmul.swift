import CBLAS
import Foundation

/// Single-precision GEMM through OpenBLAS: `C = op(A) · op(B) + beta · C`, all row-major.
///
/// This is the only place raw pointers meet BLAS. `op(A)` is `[m, k]`, `op(B)` is `[k, n]`,
/// `C` is `[m, n]`; `lda`/`ldb` are the row lengths of A and B as stored.
@inline(__always)
func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
           a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, beta: Float = 0) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        if beta == 0 { c.update(repeating: 0, count: m * n) }
        return
    }
    BLASThreading.applyInitialSetting()
    if BLASThreading.splitsRowsAcrossCores, m >= 64, m * n * k >= 1 << 21, !DataParallelWorker.isCurrentThreadWorker {
        // Our own two-way split of C's rows, each half a single-threaded BLAS call.
        let workers = ParallelLoop.workerCount
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = m * worker / workers, end = m * (worker + 1) / workers
            cblas_sgemm(CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        Int32(end - start), Int32(n), Int32(k), 1,
                        a + (transposeA ? start : start * k), Int32(transposeA ? m : k),
                        b, Int32(transposeB ? k : n),
                        beta, c + start * n, Int32(n))
        }
        return
    }
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1,
                a, Int32(transposeA ? m : k),
                b, Int32(transposeB ? k : n),
                beta, c, Int32(n))
}

/// How GEMMs use the cores.
public enum BLASThreading {
    /// When set (the default), OpenBLAS runs single-threaded and large GEMMs are split by rows
    /// over our own threads, so no OpenBLAS pool threads spin between calls. It is also what makes
    /// results reproducible bit for bit: the row split depends only on the shape and the core
    /// count, while OpenBLAS's own threading differs with its thread setting, which data-parallel
    /// encoding changes process-wide.
    nonisolated(unsafe) public private(set) static var splitsRowsAcrossCores = true

    private static let initialSetting: Void = { openblas_set_num_threads(1) }()

    /// Applies the default (single-threaded OpenBLAS) once, before the first GEMM.
    @inline(__always) static func applyInitialSetting() { _ = initialSetting }

    public static func useRowSplitting(_ enabled: Bool) {
        applyInitialSetting()
        splitsRowsAcrossCores = enabled
        openblas_set_num_threads(enabled ? 1 : Int32(ParallelLoop.workerCount))
    }
}

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
