import CBLAS
import Foundation
import TensorKit

/// Measures single-precision matrix multiplication through ``Tensor/matmul(_:transposeA:transposeB:)``
/// and through a raw `cblas_sgemm` call on the same operands, so the overhead of the tensor layer
/// is visible next to the library's own speed.
public enum GemmBenchmark {
    public struct Result: Sendable {
        public let size: Int
        public let tensorGFLOPS: Double
        public let rawGFLOPS: Double

        /// `gemm 2048: tensor 181.2 GFLOP/s, raw BLAS 186.0 GFLOP/s`
        public var line: String {
            String(format: "gemm %d: tensor %.1f GFLOP/s, raw BLAS %.1f GFLOP/s", size, tensorGFLOPS, rawGFLOPS)
        }
    }

    /// Runs `repetitions` timed multiplications of two `size`×`size` matrices (after one warm-up)
    /// and reports the best time of each path as GFLOP/s (2·n³ floating-point operations).
    public static func run(size: Int, repetitions: Int = 5) -> Result {
        var generator = SeededGenerator(seed: 7)
        let a = Tensor.uniform([size, size], low: -1, high: 1, generator: &generator)
        let b = Tensor.uniform([size, size], low: -1, high: 1, generator: &generator)
        let flops = 2 * pow(Double(size), 3)

        /// Best time of `repetitions` runs of `body` after one warm-up run.
        func bestSeconds(_ body: () -> Void) -> Double {
            (0...repetitions).map { _ in measureSeconds(body) }.dropFirst().min() ?? .infinity
        }

        let bestTensor = bestSeconds {
            let product = a.matmul(b)
            precondition(product.count == size * size)
        }

        // The raw call uses OpenBLAS's own threads over all cores (its default), whatever mode
        // the tensor layer runs in.
        let tensorThreads = openblas_get_num_threads()
        openblas_set_num_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
        defer { openblas_set_num_threads(tensorThreads) }
        var output = [Float](repeating: 0, count: size * size)
        let bestRaw = bestSeconds {
            a.scalars.withUnsafeBufferPointer { left in
                b.scalars.withUnsafeBufferPointer { right in
                    output.withUnsafeMutableBufferPointer { result in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                                    1, left.baseAddress, Int32(size), right.baseAddress, Int32(size),
                                    0, result.baseAddress, Int32(size))
                    }
                }
            }
        }
        return Result(size: size, tensorGFLOPS: flops / bestTensor / 1e9, rawGFLOPS: flops / bestRaw / 1e9)
    }
}
