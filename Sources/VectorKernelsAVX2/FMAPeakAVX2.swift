extension AVX2Kernels {
    /// Independent accumulator chains of ``fusedMultiplyAddPeak(iterations:)``: more than the
    /// 2 FMA pipes × 4 cycles of latency on Zen 3 / Haswell, fewer than the 16 ymm registers.
    public static let peakChains = 12

    /// Runs `iterations` × ``peakChains`` independent 8-lane `vfmadd231ps` (16 floating-point
    /// operations each) and returns their sum, so the loop is not optimised away: the machine's
    /// FMA peak for one core is `iterations · peakChains · 16 / seconds`. The reference the
    /// encoder layer profile measures kernels against (as `bench gemm` measures BLAS).
    @inline(never)
    public static func fusedMultiplyAddPeak(iterations: Int) -> Float {
        let a = Lanes(repeating: 0.999_999), b = Lanes(repeating: 1e-7)
        var c0 = Lanes(repeating: 0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0
        var c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0
        for _ in 0..<iterations {
            c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a); c2 = b.addingProduct(c2, a)
            c3 = b.addingProduct(c3, a); c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a)
            c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a); c8 = b.addingProduct(c8, a)
            c9 = b.addingProduct(c9, a); c10 = b.addingProduct(c10, a); c11 = b.addingProduct(c11, a)
        }
        let sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11))
        return sum.sum()
    }
}
