import VectorKernelsAVX2
import VectorKernelsAVX512

/// The vector kernels of the `.avx2` ``KernelPath``, each run on the widest registers the CPU has:
/// the ``VectorKernelsAVX512`` twin where ``CPUFeatures/hasAVX512F`` holds, else the AVX2 kernel.
/// Twins compute the same sums in the same order, so the choice changes speed, never results
/// (`HATNET_NO_AVX512` forces AVX2, e.g. to compare the two).
enum VectorKernels {
    /// `AVX2Kernels.pointwiseConvolution` or its AVX-512 twin (same contract, same bits).
    @inline(__always)
    static func pointwiseConvolution(_ problem: PointwiseProblem, rows: Range<Int>) {
        if CPUFeatures.hasAVX512F {
            AVX512Kernels.pointwiseConvolution(problem, rows: rows)
        } else {
            AVX2Kernels.pointwiseConvolution(problem, rows: rows)
        }
    }

    /// `AVX2Kernels.depthwiseConvolution` or its AVX-512 twin (same contract, same bits).
    @inline(__always)
    static func depthwiseConvolution(_ problem: DepthwiseProblem, rows: Range<Int>) {
        if CPUFeatures.hasAVX512F {
            AVX512Kernels.depthwiseConvolution(problem, rows: rows)
        } else {
            AVX2Kernels.depthwiseConvolution(problem, rows: rows)
        }
    }

    /// `AVX2Kernels.panelProduct` or its AVX-512 twin (same contract, same bits).
    @inline(__always)
    static func panelProduct(_ problem: PanelProduct, rows: Int, depthChunk: Int) {
        if CPUFeatures.hasAVX512F {
            AVX512Kernels.panelProduct(problem, rows: rows, depthChunk: depthChunk)
        } else {
            AVX2Kernels.panelProduct(problem, rows: rows, depthChunk: depthChunk)
        }
    }

    /// `AVX2Kernels.softmaxRow` or its AVX-512 twin (same contract, same bits).
    @inline(__always) @discardableResult
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, normalizes: Bool) -> Float {
        if CPUFeatures.hasAVX512F {
            return AVX512Kernels.softmaxRow(row, count: count, normalizes: normalizes)
        } else {
            return AVX2Kernels.softmaxRow(row, count: count, normalizes: normalizes)
        }
    }

    /// `AVX2Kernels.softmaxBackwardRow` or its AVX-512 twin (same contract, same bits).
    @inline(__always)
    static func softmaxBackwardRow(gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                                   keep: UnsafePointer<UInt8>?, keepScale: Float, count: Int) {
        if CPUFeatures.hasAVX512F {
            AVX512Kernels.softmaxBackwardRow(gradient: gradient, probabilities: probabilities, keep: keep,
                                             keepScale: keepScale, count: count)
        } else {
            AVX2Kernels.softmaxBackwardRow(gradient: gradient, probabilities: probabilities, keep: keep,
                                           keepScale: keepScale, count: count)
        }
    }

    /// `AVX2Kernels.applyKeepMask` or its AVX-512 twin (same contract, same bits).
    @inline(__always)
    static func applyKeepMask(_ source: UnsafePointer<Float>, keep: UnsafePointer<UInt8>, keepScale: Float,
                              count: Int, into target: UnsafeMutablePointer<Float>) {
        if CPUFeatures.hasAVX512F {
            AVX512Kernels.applyKeepMask(source, keep: keep, keepScale: keepScale, count: count, into: target)
        } else {
            AVX2Kernels.applyKeepMask(source, keep: keep, keepScale: keepScale, count: count, into: target)
        }
    }
}
