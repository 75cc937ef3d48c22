import Foundation
import VectorKernelsAVX2

/// Vectorised elementary functions for the hot loops (softmax over attention scores).
enum VectorMath {
    /// e^x for eight lanes: range reduction x = n·ln2 + r with |r| ≤ ln2/2, then the Cephes
    /// `expf` polynomial (relative error about 1e-7 against `Foundation.exp`, checked in tests).
    /// Inputs below −87.3 give exactly 0, above 88.7 give +∞.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let log2e: Float = 1.442_695_040_888_963_4
        let ln2High: Float = 0.693_359_375, ln2Low: Float = -2.121_944_4e-4
        var clamped = x
        clamped.replace(with: -87.3, where: x .< -87.3)
        clamped.replace(with: 88.7, where: x .> 88.7)
        // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa
        // bits, which avoids a (slow, lane-by-lane) float-to-integer conversion.
        let roundingMagic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = clamped * log2e + roundingMagic
        let n = shifted - roundingMagic
        let r = clamped - n * ln2High - n * ln2Low
        var polynomial = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        polynomial = polynomial * r + 1.398_199_950_7e-3
        polynomial = polynomial * r + 8.333_451_907_3e-3
        polynomial = polynomial * r + 4.166_579_589_4e-2
        polynomial = polynomial * r + 1.666_666_545_9e-1
        polynomial = polynomial * r + 5.000_000_120_1e-1
        let mantissa = polynomial * r * r + r + 1
        // 2ⁿ as a float: exponent field n + 127.
        let exponentBits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(roundingMagic, to: SIMD8<Int32>.self)
                            &+ 127) &<< 23
        let scale = unsafeBitCast(exponentBits, to: SIMD8<Float>.self)
        var result = mantissa * scale
        result.replace(with: 0, where: x .< -87.3)
        result.replace(with: Float.infinity, where: x .> 88.7)
        return result
    }

    /// Softmax of one contiguous row in place: subtract the maximum, exponentiate, normalise.
    /// The caller guarantees `row` points at `count` writable floats. Runs the AVX2 kernel when
    /// the CPU has it (about 2.5× faster; its AVX-512 twin where the CPU has that), else
    /// ``portableSoftmaxRow(_:count:)``.
    /// With `normalizes` false the row keeps e^(x − max) (the caller scales later); either way
    /// the result is 1 / Σ e^(x − max).
    @inline(__always) @discardableResult
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, normalizes: Bool = true) -> Float {
        if CPUFeatures.hasAVX2AndFMA {
            return VectorKernels.softmaxRow(row, count: count, normalizes: normalizes)
        } else {
            return portableSoftmaxRow(row, count: count, normalizes: normalizes)
        }
    }

    /// ``softmaxRow(_:count:)`` for any x86-64 CPU (SSE2), and the reference the AVX2 kernel is tested against.
    @discardableResult
    static func portableSoftmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int, normalizes: Bool = true) -> Float {
        let lanes = count / 8 * 8
        var maximum = -Float.infinity
        var laneMaximum = SIMD8<Float>(repeating: -.infinity)
        var index = 0
        while index < lanes {
            let values = UnsafeRawPointer(row + index).loadUnaligned(as: SIMD8<Float>.self)
            laneMaximum.replace(with: values, where: values .> laneMaximum)
            index += 8
        }
        maximum = laneMaximum.max()
        while index < count { maximum = Swift.max(maximum, row[index]); index += 1 }

        var laneTotal = SIMD8<Float>(repeating: 0)
        let shift = SIMD8<Float>(repeating: maximum)
        index = 0
        while index < lanes {
            let values = exp(UnsafeRawPointer(row + index).loadUnaligned(as: SIMD8<Float>.self) - shift)
            UnsafeMutableRawPointer(row + index).storeBytes(of: values, as: SIMD8<Float>.self)
            laneTotal += values
            index += 8
        }
        var total = laneTotal.sum()
        while index < count {
            let value = Foundation.exp(row[index] - maximum)
            row[index] = value
            total += value
            index += 1
        }
        let inverse = 1 / total
        guard normalizes else { return inverse }
        for position in 0..<count { row[position] *= inverse }
        return inverse
    }

    /// The softmax backward rule for one row in place, with optional inverted dropout between the
    /// softmax and its consumer: `g ← g ⊙ m` (m = 0 where `keep` is 0, else `keepScale`), then
    /// `g ← p ⊙ (g − Σ g ⊙ p)`. Runs the AVX2 kernel (or its AVX-512 twin) when the CPU has it.
    @inline(__always)
    static func softmaxBackwardRow(gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                                   keep: UnsafePointer<UInt8>?, keepScale: Float, count: Int) {
        if CPUFeatures.hasAVX2AndFMA {
            VectorKernels.softmaxBackwardRow(gradient: gradient, probabilities: probabilities, keep: keep,
                                             keepScale: keepScale, count: count)
        } else {
            portableSoftmaxBackwardRow(gradient: gradient, probabilities: probabilities, keep: keep,
                                       keepScale: keepScale, count: count)
        }
    }

    /// ``softmaxBackwardRow(gradient:probabilities:keep:keepScale:count:)`` for any x86-64 CPU;
    /// the dot product runs in eight lanes (then their sum), as the AVX2 kernel does.
    static func portableSoftmaxBackwardRow(gradient: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
                                           keep: UnsafePointer<UInt8>?, keepScale: Float, count: Int) {
        if let keep {
            for index in 0..<count { gradient[index] = keep[index] == 0 ? 0 : gradient[index] * keepScale }
        }
        let dot = laneSum(gradient, times: probabilities, count: count)
        for position in 0..<count { gradient[position] = probabilities[position] * (gradient[position] - dot) }
    }

    /// Σ `values[i]` (or Σ `values[i] · other[i]`) over `count` floats, in eight lanes, then the
    /// lanes and the tail added in order.
    @inline(__always)
    static func laneSum(_ values: UnsafePointer<Float>, times other: UnsafePointer<Float>? = nil, count: Int) -> Float {
        let lanes = count / 8 * 8
        var total = SIMD8<Float>(repeating: 0)
        var index = 0
        while index < lanes {
            var chunk = UnsafeRawPointer(values + index).loadUnaligned(as: SIMD8<Float>.self)
            if let other { chunk *= UnsafeRawPointer(other + index).loadUnaligned(as: SIMD8<Float>.self) }
            total += chunk
            index += 8
        }
        var sum = total.sum()
        while index < count { sum += values[index] * (other?[index] ?? 1); index += 1 }
        return sum
    }
}
