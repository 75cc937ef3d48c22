/// Kernels compiled for x86-64 CPUs with AVX2 and FMA (Intel Haswell, 2013, AMD Zen and later):
/// this module is built with `-target-cpu haswell`, so eight float lanes fill one 256-bit register
/// and multiply-adds fuse. TensorKit calls them only after checking the CPU
/// (`CPUFeatures.hasAVX2AndFMA`); the portable twins in `TensorKit.VectorMath` run everywhere else
/// and are the reference the tests compare these against.
public enum AVX2Kernels {
    typealias Lanes = SIMD8<Float>

    /// e^x for x ≤ 88.7, eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, then the Cephes `expf`
    /// polynomial, as `VectorMath.exp` but with fused multiply-adds. Inputs below −87.3 give 0.
    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        var clamped = x
        clamped.replace(with: -87.3, where: x .< -87.3)
        // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa bits.
        let roundingMagic = Lanes(repeating: 12_582_912)
        let shifted = roundingMagic.addingProduct(clamped, Lanes(repeating: 1.442_695_040_888_963_4))
        let n = shifted - roundingMagic
        let r = clamped.addingProduct(n, Lanes(repeating: -0.693_359_375)).addingProduct(n, Lanes(repeating: 2.121_944_4e-4))
        var polynomial = Lanes(repeating: 1.987_569_150_0e-4)
        polynomial = Lanes(repeating: 1.398_199_950_7e-3).addingProduct(polynomial, r)
        polynomial = Lanes(repeating: 8.333_451_907_3e-3).addingProduct(polynomial, r)
        polynomial = Lanes(repeating: 4.166_579_589_4e-2).addingProduct(polynomial, r)
        polynomial = Lanes(repeating: 1.666_666_545_9e-1).addingProduct(polynomial, r)
        polynomial = Lanes(repeating: 5.000_000_120_1e-1).addingProduct(polynomial, r)
        let mantissa = (r + 1).addingProduct(polynomial, r * r)
        // 2ⁿ as a float: exponent field n + 127.
        let exponentBits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(roundingMagic, to: SIMD8<Int32>.self)
                            &+ 127) &<< 23
        var result = mantissa * unsafeBitCast(exponentBits, to: Lanes.self)
        result.replace(with: 0, where: x .< -87.3)
        return result
    }

    /// Softmax of one contiguous row in place: subtract the maximum, exponentiate, normalise
    /// (unless `normalizes` is false: then the row keeps e^(x − max) and the caller scales later).
    /// Returns 1 / Σ e^(x − max). The caller guarantees `row` points at `count` writable floats
    /// and that the CPU has AVX2 and FMA.
    @discardableResult
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, normalizes: Bool = true) -> Float {
        let lanes = count / 8 * 8
        var laneMaximum = Lanes(repeating: -.infinity)
        var index = 0
        while index < lanes {
            let values = UnsafeRawPointer(row + index).loadUnaligned(as: Lanes.self)
            laneMaximum.replace(with: values, where: values .> laneMaximum)
            index += 8
        }
        var maximum = laneMaximum.max()
        while index < count { maximum = Swift.max(maximum, row[index]); index += 1 }

        // The tail is padded into one vector with −∞ (whose exponential is 0), so every element
        // goes through the same exponential.
        var laneTotal = Lanes(repeating: 0)
        let shift = Lanes(repeating: maximum)
        index = 0
        while index < lanes {
            let values = exp(UnsafeRawPointer(row + index).loadUnaligned(as: Lanes.self) - shift)
            UnsafeMutableRawPointer(row + index).storeBytes(of: values, as: Lanes.self)
            laneTotal += values
            index += 8
        }
        if index < count {
            var tail = Lanes(repeating: -.infinity)
            for lane in 0..<(count - index) { tail[lane] = row[index + lane] }
            let values = exp(tail - shift)
            for lane in 0..<(count - index) { row[index + lane] = values[lane] }
            laneTotal += values
        }
        let inverse = Lanes(repeating: 1 / laneTotal.sum())
        guard normalizes else { return inverse[0] }
        index = 0
        while index < lanes {
            let values = UnsafeRawPointer(row + index).loadUnaligned(as: Lanes.self) * inverse
            UnsafeMutableRawPointer(row + index).storeBytes(of: values, as: Lanes.self)
            index += 8
        }
        while index < count { row[index] *= inverse[0]; index += 1 }
        return inverse[0]
    }

    /// The softmax backward rule for one row in place, with optional inverted dropout between the
    /// softmax and its consumer: `g ← g ⊙ m` (m = 0 where `keep` is 0, else `keepScale`), then
    /// `g ← p ⊙ (g − Σ g ⊙ p)`. Same lane order as `VectorMath.portableSoftmaxBackwardRow`.
    public static func softmaxBackwardRow(gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                                          keep: UnsafePointer<UInt8>?, keepScale: Float, count: Int) {
        if let keep { applyKeepMask(gradient, keep: keep, keepScale: keepScale, count: count, into: gradient) }
        let lanes = count / 8 * 8
        var laneDot = Lanes(repeating: 0)
        var index = 0
        while index < lanes {
            let g = UnsafeRawPointer(gradient + index).loadUnaligned(as: Lanes.self)
            laneDot = laneDot.addingProduct(g, UnsafeRawPointer(probabilities + index).loadUnaligned(as: Lanes.self))
            index += 8
        }
        var dot = laneDot.sum()
        while index < count { dot += gradient[index] * probabilities[index]; index += 1 }
        let shift = Lanes(repeating: dot)
        index = 0
        while index < lanes {
            let g = UnsafeRawPointer(gradient + index).loadUnaligned(as: Lanes.self)
            let p = UnsafeRawPointer(probabilities + index).loadUnaligned(as: Lanes.self)
            UnsafeMutableRawPointer(gradient + index).storeBytes(of: p * (g - shift), as: Lanes.self)
            index += 8
        }
        while index < count { gradient[index] = probabilities[index] * (gradient[index] - dot); index += 1 }
    }
}
