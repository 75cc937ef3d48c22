import Foundation

/// A small, fast, reproducible random number generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same sequence on every machine and run, which makes initialisation,
/// dropout and data augmentation repeatable.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// Restores a generator from ``stateWords`` (for example from a training checkpoint), so that it
    /// continues the sequence exactly where the saved one stopped.
    public init(stateWords: [UInt64]) {
        precondition(stateWords.count == 4, "SeededGenerator: state has 4 words, got \(stateWords.count)")
        precondition(stateWords.contains { $0 != 0 }, "SeededGenerator: the all-zero state is invalid for xoshiro256**")
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
    }

    /// The generator's complete internal state (four 64-bit words); ``init(stateWords:)`` resumes from it.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }

    /// Uniform in [0, 1) with 24 random bits (every Float in the range is equally likely to be hit).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let radius = (-2 * Foundation.log(Swift.max(u1, .leastNonzeroMagnitude))).squareRoot()
        return Float(radius * cos(2 * Double.pi * u2))
    }
}

extension SeededGenerator {
    /// A dropout keep-mask of `count` bytes (1 = keep, 0 = drop with `probability`), four
    /// Bernoulli draws per 64-bit random number (16-bit resolution of the probability), low 16 bits
    /// first. Shared by ``Tensor/dropout(probability:generator:)`` and the fused attention.
    ///
    /// Sixteen flags at a time: four random words seen as sixteen 16-bit lanes (little-endian, so
    /// in the order of the draws) compared with the threshold at once. The same bytes and the same
    /// generator state as ``referenceDropoutKeepMask(count:probability:)``, its scalar twin.
    public mutating func dropoutKeepMask(count: Int, probability: Float) -> [UInt8] {
        let threshold = UInt64((probability * 65536).rounded())
        guard count > 0 else { return [] }
        #if _endian(little)
        guard threshold <= UInt64(UInt16.max) else { return referenceDropoutKeepMask(count: count, probability: probability) }
        #else
        return referenceDropoutKeepMask(count: count, probability: probability)
        #endif
        var generator = self    // a local copy keeps the state in registers in the loop below
        let mask = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            Self.fillKeepFlags(buffer.baseAddress!, count: count, threshold: UInt16(threshold), generator: &generator)
            initialized = count
        }
        self = generator
        return mask
    }

    /// Kernel of ``dropoutKeepMask(count:probability:)``: writes `count` flags at `flags`.
    @inline(__always)
    private static func fillKeepFlags(_ flags: UnsafeMutablePointer<UInt8>, count: Int, threshold: UInt16,
                                      generator: inout SeededGenerator) {
        let limit = SIMD16<UInt16>(repeating: threshold)
        let (zero, one) = (SIMD16<UInt16>(repeating: 0), SIMD16<UInt16>(repeating: 1))
        var index = 0
        while index + 16 <= count {
            let words = SIMD4<UInt64>(generator.next(), generator.next(), generator.next(), generator.next())
            let draws = unsafeBitCast(words, to: SIMD16<UInt16>.self)
            let keep = SIMD16<UInt8>(truncatingIfNeeded: zero.replacing(with: one, where: draws .>= limit))
            UnsafeMutableRawPointer(flags + index).storeBytes(of: keep, as: SIMD16<UInt8>.self)
            index += 16
        }
        while index < count {
            var bits = generator.next()
            for _ in 0..<Swift.min(4, count - index) {
                flags[index] = UInt16(truncatingIfNeeded: bits) >= threshold ? 1 : 0
                bits >>= 16
                index += 1
            }
        }
    }

    /// The scalar twin of ``dropoutKeepMask(count:probability:)``, one draw after the other.
    public mutating func referenceDropoutKeepMask(count: Int, probability: Float) -> [UInt8] {
        let threshold = UInt64((probability * 65536).rounded())
        var mask = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var bits = next()
            for _ in 0..<Swift.min(4, count - index) {
                mask[index] = (bits & 0xFFFF) >= threshold ? 1 : 0
                bits >>= 16
                index += 1
            }
        }
        return mask
    }
}

extension Tensor {
    /// Uniform samples in `[low, high)`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in low + (high - low) * generator.nextUniform() })
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in mean + std * generator.nextNormal() })
    }

    /// Fan-in and fan-out as PyTorch computes them: dims 1 and 0 times the receptive field size.
    static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "initialisation: fan computation needs rank ≥ 2, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Xavier/Glorot uniform initialisation (`torch.nn.init.xavier_uniform_`).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }

    /// Kaiming/He normal initialisation for ReLU (`kaiming_normal_`), by fan-in or fan-out.
    public static func kaimingNormal(_ shape: [Int], fanOutMode: Bool = false, generator: inout SeededGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let std = (2 / Float(fanOutMode ? fanOut : fanIn)).squareRoot()
        return normal(shape, std: std, generator: &generator)
    }

    /// Kaiming uniform with `a = √5`, PyTorch's default for `Linear` and `Conv` weights.
    public static func kaimingUniform(_ shape: [Int], generator: inout SeededGenerator) -> Tensor {
        let (fanIn, _) = fans(shape)
        let bound = 1 / Float(fanIn).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }
}
