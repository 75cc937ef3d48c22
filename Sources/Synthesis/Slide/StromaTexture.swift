import Foundation
import TensorKit

/// A seamless 512 × 512 texture of stroma fibre density in [0, 1], with box-filtered mip levels so
/// that coarse pyramid levels show the averaged colour rather than aliased noise.
struct StromaTexture: Sendable {
    static let size = 512
    /// `mips[k]` is `(size >> k)²` values, row-major; `mips[0]` is full resolution.
    let mips: [[Float]]

    init(generator: inout SeededGenerator) {
        let size = StromaTexture.size
        // Wavy fibres: sums of sine waves along integer directions, so the texture tiles seamlessly.
        var waves: [(a: Float, b: Float, phase: Float, weight: Float)] = []
        for _ in 0..<6 {
            let a = Float(Int(generator.next() % 9)) - 4, b = Float(Int(generator.next() % 5)) + 1
            waves.append((a, b, generator.nextUniform() * 2 * .pi, 0.5 + generator.nextUniform()))
        }
        var base = [Float](repeating: 0, count: size * size)
        let totalWeight = waves.reduce(0) { $0 + $1.weight }
        for y in 0..<size {
            for x in 0..<size {
                let u = Float(x) / Float(size) * 2 * .pi, v = Float(y) / Float(size) * 2 * .pi
                var value: Float = 0
                for wave in waves {
                    let warp = 0.8 * sin(3 * v + wave.phase) + 0.6 * sin(2 * u - wave.phase)
                    value += wave.weight * (0.5 + 0.5 * sin(8 * (wave.a * u + wave.b * v) + warp + wave.phase))
                }
                let fibre = pow(value / totalWeight, 2.5)
                base[y * size + x] = min(1, max(0, fibre * 1.6 + (generator.nextUniform() - 0.5) * 0.12))
            }
        }
        var mips = [base]
        var side = size
        while side > 1 {
            let previous = mips[mips.count - 1], half = side / 2
            var next = [Float](repeating: 0, count: half * half)
            for y in 0..<half {
                for x in 0..<half {
                    next[y * half + x] = 0.25 * (previous[2 * y * side + 2 * x] + previous[2 * y * side + 2 * x + 1]
                        + previous[(2 * y + 1) * side + 2 * x] + previous[(2 * y + 1) * side + 2 * x + 1])
                }
            }
            mips.append(next)
            side = half
        }
        self.mips = mips
    }

    /// The mip level matching a pyramid downsample (level-0 pixels per output pixel).
    func mipLevel(forDownsample downsample: Float) -> Int {
        min(mips.count - 1, max(0, Int(log2(max(1, downsample)).rounded())))
    }

    /// Calls `body` with a sampler of mip `level`: `sample(x, y)` is the density at level-0 point
    /// (`x`, `y`), the texture repeating every `size · 2^level` level-0 pixels.
    func withMip<Result>(_ level: Int, _ body: ((Float, Float) -> Float) -> Result) -> Result {
        let side = StromaTexture.size >> level
        let inverseScale = 1 / Float(1 << level), mask = side - 1
        return mips[level].withUnsafeBufferPointer { values in
            body { x, y in values[(Int(y * inverseScale) & mask) * side + (Int(x * inverseScale) & mask)] }
        }
    }
}
