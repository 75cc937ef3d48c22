extension AVX512Kernels {
    /// Independent accumulator chains of ``fusedMultiplyAddPeak(iterations:)``: twice the
    /// 2 FMA pipes × 4 cycles of latency, half the 32 zmm registers.
    public static let peakChains = 16

    /// Runs `iterations` × ``peakChains`` independent 16-lane `vfmadd231ps` (32 floating-point
    /// operations each) and returns their sum, so the loop is not optimised away: the FMA peak of
    /// one core on its AVX-512 kernels is `iterations · peakChains · 32 / seconds`. The 16-lane twin
    /// of ``VectorKernelsAVX2/AVX2Kernels/fusedMultiplyAddPeak(iterations:)``: every lane of every
    /// chain follows `c ← b + c · a` from 0, so the sum is 256 times one lane's value.
    @inline(never)
    public static func fusedMultiplyAddPeak(iterations: Int) -> Float {
        let a = Wide(repeating: 0.999_999), b = Wide(repeating: 1e-7)
        var c0 = Wide(repeating: 0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0
        var c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0
        for _ in 0..<iterations {
            c0 = b.addingProduct(c0, a); c1 = b.addingProduct(c1, a); c2 = b.addingProduct(c2, a); c3 = b.addingProduct(c3, a)
            c4 = b.addingProduct(c4, a); c5 = b.addingProduct(c5, a); c6 = b.addingProduct(c6, a); c7 = b.addingProduct(c7, a)
            c8 = b.addingProduct(c8, a); c9 = b.addingProduct(c9, a); c10 = b.addingProduct(c10, a); c11 = b.addingProduct(c11, a)
            c12 = b.addingProduct(c12, a); c13 = b.addingProduct(c13, a); c14 = b.addingProduct(c14, a); c15 = b.addingProduct(c15, a)
        }
        let sum = (((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7))) + (((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15)))
        return sum.sum()
    }
}
