import VectorKernelsAVX2

extension AVX512Kernels {
    /// ``VectorKernelsAVX2/AVX2Kernels/exp(_:)`` on 16 lanes: the same operations per lane, so
    /// the same bits. Transparent because under `-Ounchecked` `@inline(__always)` left it a call
    /// that passes the 16 lanes as four SSE registers and computes them four at a time.
    @_transparent
    static func exp(_ x: Wide) -> Wide {
        var clamped = x
        clamped.replace(with: -87.3, where: x .< -87.3)
        let roundingMagic = Wide(repeating: 12_582_912)
        let shifted = roundingMagic.addingProduct(clamped, Wide(repeating: 1.442_695_040_888_963_4))
        let n = shifted - roundingMagic
        let r = clamped.addingProduct(n, Wide(repeating: -0.693_359_375)).addingProduct(n, Wide(repeating: 2.121_944_4e-4))
        var polynomial = Wide(repeating: 1.987_569_150_0e-4)
        polynomial = Wide(repeating: 1.398_199_950_7e-3).addingProduct(polynomial, r)
        polynomial = Wide(repeating: 8.333_451_907_3e-3).addingProduct(polynomial, r)
        polynomial = Wide(repeating: 4.166_579_589_4e-2).addingProduct(polynomial, r)
        polynomial = Wide(repeating: 1.666_666_545_9e-1).addingProduct(polynomial, r)
        polynomial = Wide(repeating: 5.000_000_120_1e-1).addingProduct(polynomial, r)
        let mantissa = (r + 1).addingProduct(polynomial, r * r)
        let exponentBits = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(roundingMagic, to: SIMD16<Int32>.self)
                            &+ 127) &<< 23
        var result = mantissa * unsafeBitCast(exponentBits, to: Wide.self)
        result.replace(with: 0, where: x .< -87.3)
        return result
    }

    /// The AVX-512 twin of ``VectorKernelsAVX2/AVX2Kernels/softmaxRow(_:count:normalizes:)``,
    /// with the same result bits: the exponentials are the same per lane, the maximum does not
    /// depend on the order, and Σ is accumulated in the AVX2 kernel's eight lanes in its order
    /// (each 16-float vector's low half, then its high half), so only the exponentials — the
    /// costly part — run 16 at a time. Returns 1 / Σ e^(x − max).
    @discardableResult
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, normalizes: Bool = true) -> Float {
        let wide = count / 16 * 16, narrow = count / 8 * 8
        var wideMaximum = Wide(repeating: -.infinity)
        var index = 0
        while index < wide {
            let values = loadWide(row + index)
            wideMaximum.replace(with: values, where: values .> wideMaximum)
            index += 16
        }
        var maximum = wideMaximum.max()
        while index < count { maximum = Swift.max(maximum, row[index]); index += 1 }

        var laneTotal = Narrow(repeating: 0)
        let shift = Wide(repeating: maximum)
        index = 0
        while index < wide {
            let values = exp(loadWide(row + index) - shift)
            storeWide(values, to: row + index)
            laneTotal += values.lowHalf
            laneTotal += values.highHalf
            index += 16
        }
        // The last whole eight and the padded tail, as the AVX2 kernel takes them (−∞ gives 0).
        if index < narrow {
            let values = exp(Wide(lowHalf: loadNarrow(row + index), highHalf: Narrow(repeating: -.infinity)) - shift).lowHalf
            storeNarrow(values, to: row + index)
            laneTotal += values
            index += 8
        }
        if index < count {
            var tail = Wide(repeating: -.infinity)
            for lane in 0..<(count - index) { tail[lane] = row[index + lane] }
            let values = exp(tail - shift).lowHalf
            for lane in 0..<(count - index) { row[index + lane] = values[lane] }
            laneTotal += values
        }
        let inverse = 1 / laneTotal.sum()
        guard normalizes else { return inverse }
        let scale = Wide(repeating: inverse)
        index = 0
        while index < wide {
            storeWide(loadWide(row + index) * scale, to: row + index)
            index += 16
        }
        while index < count { row[index] *= inverse; index += 1 }
        return inverse
    }

    /// The AVX-512 twin of ``VectorKernelsAVX2/AVX2Kernels/softmaxBackwardRow(gradient:probabilities:keep:keepScale:count:)``,
    /// with the same bits: Σ g ⊙ p is accumulated in the AVX2 kernel's eight lanes in its order;
    /// the elementwise steps (the keep mask, p ⊙ (g − Σ)) run 16 lanes at a time.
    public static func softmaxBackwardRow(gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                                          keep: UnsafePointer<UInt8>?, keepScale: Float, count: Int) {
        if let keep { applyKeepMask(gradient, keep: keep, keepScale: keepScale, count: count, into: gradient) }
        let wide = count / 16 * 16, narrow = count / 8 * 8
        var laneDot = Narrow(repeating: 0)
        var index = 0
        while index < narrow {
            laneDot = laneDot.addingProduct(loadNarrow(gradient + index), loadNarrow(probabilities + index))
            index += 8
        }
        var dot = laneDot.sum()
        while index < count { dot += gradient[index] * probabilities[index]; index += 1 }
        let shift = Wide(repeating: dot)
        index = 0
        while index < wide {
            storeWide(loadWide(probabilities + index) * (loadWide(gradient + index) - shift), to: gradient + index)
            index += 16
        }
        while index < count { gradient[index] = probabilities[index] * (gradient[index] - dot); index += 1 }
    }
}
