import CBLAS
import Foundation

// TensorKit's one door to BLAS: every `cblas_sgemm` and OpenBLAS thread setting of the kit is in
// this file. The other kernels with raw-pointer arguments are AttentionKernels, LayerNormKernels,
// TransformerKernels and PreNormTransformerBlock (the ViT block's strided per-head attention),
// VectorMath (with its AVX2 twins in the VectorKernelsAVX2 module), Convolution/DepthwiseKernel,
// Convolution/ChannelEpilogue and Convolution/GemmConvolutionKernels (im2col), each tested against
// a simple reference; the ops around them only hand them buffers.

/// Single-precision GEMM through OpenBLAS on contiguous row-major operands:
/// `C = op(A) · op(B) + beta · C` with `op(A)` `[m, k]`, `op(B)` `[k, n]`, `C` `[m, n]`.
///
/// Large products outside data-parallel workers are split by rows of C over the cores, each part
/// a single-threaded BLAS call (``BLASThreading``).
@inline(__always)
func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
           a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, beta: Float = 0) {
    let lda = transposeA ? m : k, ldb = transposeB ? k : n
    BLASThreading.applyInitialSetting()
    if BLASThreading.splitsRowsAcrossCores, m >= 64, m * n * k >= 1 << 21, !DataParallelWorker.isCurrentThreadWorker {
        // Our own two-way split of C's rows, each half a single-threaded BLAS call.
        let workers = ParallelLoop.workerCount
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = m * worker / workers, end = m * (worker + 1) / workers
            sgemm(transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k,
                  a: a + (transposeA ? start : start * k), lda: lda, b: b, ldb: ldb, c: c + start * n, ldc: n, beta: beta)
        }
        return
    }
    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n, beta: beta)
}

/// Single-precision GEMM on strided row-major matrices, one BLAS call (never split):
/// `C = alpha · op(A) · op(B) + beta · C`, where `lda`, `ldb`, `ldc` are the distances between the rows of
/// A, B and C as stored (so a channel slice of a channels-last map is a matrix view).
@inline(__always)
func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float = 0) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        // An empty sum: C = beta · C, i.e. zero rows when beta is 0.
        if beta == 0 { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
        return
    }
    BLASThreading.applyInitialSetting()
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(ldc))
}

/// How GEMMs use the cores.
public enum BLASThreading {
    /// When set (the default), OpenBLAS runs single-threaded and large GEMMs are split by rows
    /// over our own threads, so no OpenBLAS pool threads spin between calls. It is also what makes
    /// results reproducible bit for bit: the row split depends only on the shape and the core
    /// count, while OpenBLAS's own threading differs with its thread setting, which data-parallel
    /// encoding changes process-wide.
    nonisolated(unsafe) public private(set) static var splitsRowsAcrossCores = true

    private static let initialSetting: Void = {
        OpenBLASCore.replaceGenericFallback()
        openblas_set_num_threads(1)
    }()

    /// Applies the default (single-threaded OpenBLAS) once, before the first GEMM.
    @inline(__always) static func applyInitialSetting() { _ = initialSetting }

    /// The kernel family OpenBLAS runs (after ``OpenBLASCore`` replaced a generic fallback), e.g. "SkylakeX".
    public static var kernelFamily: String {
        applyInitialSetting()
        return OpenBLASCore.current
    }

    public static func useRowSplitting(_ enabled: Bool) {
        applyInitialSetting()
        splitsRowsAcrossCores = enabled
        openblas_set_num_threads(enabled ? 1 : Int32(ParallelLoop.workerCount))
    }

    /// Runs `body` with OpenBLAS restricted to one thread, restoring its thread count afterwards
    /// (for data-parallel workers that each run whole computations).
    static func withSingleThreadedBLAS(_ body: () -> Void) {
        applyInitialSetting()
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        body()
    }
}

/// The kernel family OpenBLAS runs. Its `DYNAMIC_ARCH` builds (Debian's, 0.3.21 here) choose it
/// from the CPU model when the library loads, and fall back to `Prescott` (SSE3 kernels, about a
/// quarter of the AVX2 peak) for a model they do not know — e.g. a recent Xeon behind KVM, whose
/// flags list AVX2, FMA and AVX-512. Before the first GEMM we then ask OpenBLAS again for the
/// family the flags allow, exactly as its `OPENBLAS_CORETYPE` variable does at load time.
enum OpenBLASCore {
    /// The family OpenBLAS runs now (`openblas_get_corename`), e.g. "Haswell".
    static var current: String { openblas_get_corename().map { String(cString: $0) } ?? "" }

    /// The family to use instead of the generic fallback, or nil to keep what OpenBLAS chose:
    /// only when it chose `Prescott`, the user did not set `OPENBLAS_CORETYPE`, and the CPU flags
    /// allow a better one (`SkylakeX` with AVX-512 F/CD/BW/DQ/VL, `Haswell` with AVX2 + FMA).
    static func replacement(chosen: String, flags: Set<String>, environment: [String: String]) -> String? {
        guard chosen.lowercased() == "prescott", environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Re-runs OpenBLAS's kernel selection (`gotoblas_dynamic_quit`, then `gotoblas_dynamic_init`
    /// with `OPENBLAS_CORETYPE` set for the call only, so child processes do not inherit it) when
    /// ``replacement(chosen:flags:environment:)`` names a family. The two functions are looked up
    /// at run time: a BLAS without them (not `DYNAMIC_ARCH`) is left as it is. Called once, before
    /// the first GEMM.
    static func replaceGenericFallback() {
        guard let family = replacement(chosen: current, flags: CPUFeatures.processorFlags,
                                       environment: ProcessInfo.processInfo.environment),
              let library = dlopen(nil, RTLD_NOW),
              let quit = dlsym(library, "gotoblas_dynamic_quit"), let initialize = dlsym(library, "gotoblas_dynamic_init") else { return }
        typealias Entry = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", family, 1)
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialize, to: Entry.self)()
        unsetenv("OPENBLAS_CORETYPE")
    }
}
