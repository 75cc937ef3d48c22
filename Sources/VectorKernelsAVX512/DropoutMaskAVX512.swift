import VectorKernelsAVX2

extension AVX512Kernels {
    /// Sixteen values times `scale`, zero where the flag byte is 0: the AVX2 kernel's rule
    /// (each flag byte moved into a float's exponent field, compared with 0; widening
    /// `SIMD16<UInt8>` compiles to a call) on 16 lanes.
    @_transparent
    static func kept(_ values: UnsafePointer<Float>, flags: UnsafePointer<UInt8>, scale: Wide) -> Wide {
        let bits = UnsafeRawPointer(flags).loadUnaligned(as: SIMD4<UInt32>.self)
        let spread = SIMD16<UInt32>(bits[0], bits[0], bits[0], bits[0], bits[1], bits[1], bits[1], bits[1],
                                    bits[2], bits[2], bits[2], bits[2], bits[3], bits[3], bits[3], bits[3])
        let byteShifts = SIMD16<UInt32>(0, 8, 16, 24, 0, 8, 16, 24, 0, 8, 16, 24, 0, 8, 16, 24)
        let exponents = unsafeBitCast(((spread &>> byteShifts) & 0xFF) &<< 23, to: Wide.self)
        return (loadWide(values) * scale).replacing(with: 0, where: exponents .== 0)
    }

    /// The AVX-512 twin of ``VectorKernelsAVX2/AVX2Kernels/applyKeepMask(_:keep:keepScale:count:into:)``
    /// (same contract, same bits: one multiply per kept element): `target[i] = keep[i] == 0 ? 0 :
    /// source[i] · keepScale` for `i < count`; `target` may be `source`.
    public static func applyKeepMask(_ source: UnsafePointer<Float>, keep: UnsafePointer<UInt8>, keepScale: Float,
                                     count: Int, into target: UnsafeMutablePointer<Float>) {
        let scale = Wide(repeating: keepScale)
        var index = 0
        while index + 16 <= count {
            storeWide(kept(source + index, flags: keep + index, scale: scale), to: target + index)
            index += 16
        }
        while index < count {
            target[index] = keep[index] == 0 ? 0 : source[index] * keepScale
            index += 1
        }
    }
}
