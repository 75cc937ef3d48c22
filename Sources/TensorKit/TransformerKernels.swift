import Foundation
import VectorKernelsAVX2

/// Raw-pointer kernels of ``PreNormTransformerBlock``'s element-wise steps, one of TensorKit's
/// kernel files: each runs the AVX2 kernel of `VectorKernelsAVX2/TransformerKernelsAVX2.swift`
/// when the CPU has it, else its portable twin here. The portable twins are the references: GELU
/// is the scalar `erff` formula PyTorch writes (`½x(1 + erf(x/√2))`), LayerNorm is
/// ``LayerNormKernels/forward(source:rows:width:eps:weight:bias:output:normalized:inverseStd:)``.
/// Pointers are valid for `rows × width` floats; the block sizes every buffer.
enum TransformerKernels {
    /// `nn.GELU()` (exact): `x · Φ(x) = ½x(1 + erf(x/√2))`, with the C library's `erff`.
    @inline(__always) static func gelu(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * 0.707_106_781_186_547_52)) }
    /// `nn.SiLU()`: `x / (1 + e^(−x))`.
    @inline(__always) static func silu(_ x: Float) -> Float { x / (1 + Foundation.exp(-x)) }

    @inline(__always)
    static func activate(_ x: Float, _ activation: TokenActivation) -> Float {
        switch activation {
        case .identity: return x
        case .gelu: return gelu(x)
        case .silu: return silu(x)
        }
    }

    /// `activation(x + bias)` in place over rows `rows` of `[_, width]`.
    static func biasActivationRows(_ values: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int,
                                   bias: UnsafePointer<Float>?, activation: TokenActivation, portable: Bool = false) {
        if CPUFeatures.hasAVX2AndFMA && !portable {
            return AVX2Kernels.biasActivationRows(values, rows: rows, width: width, bias: bias, activation: activation)
        }
        for row in rows {
            let target = values + row * width
            for column in 0..<width { target[column] = activate(target[column] + (bias?[column] ?? 0), activation) }
        }
    }

    /// `target[r, c] = act(s[r, c] + b[c]) · (s[r, half + c] + b[half + c])` (timm `SwiGLUPacked`).
    static func gatedActivationRows(source: UnsafePointer<Float>, rows: Range<Int>, half: Int, bias: UnsafePointer<Float>?,
                                    target: UnsafeMutablePointer<Float>, activation: TokenActivation, portable: Bool = false) {
        if CPUFeatures.hasAVX2AndFMA && !portable {
            return AVX2Kernels.gatedActivationRows(source: source, rows: rows, half: half, bias: bias, target: target,
                                                   activation: activation)
        }
        for row in rows {
            let value = source + row * 2 * half, gate = value + half, output = target + row * half
            for column in 0..<half {
                output[column] = activate(value[column] + (bias?[column] ?? 0), activation) * (gate[column] + (bias?[half + column] ?? 0))
            }
        }
    }

    /// `residual += gamma ⊙ (branch + bias)` over rows `rows` of `[_, width]`.
    static func residualRows(_ residual: UnsafeMutablePointer<Float>, branch: UnsafePointer<Float>, rows: Range<Int>, width: Int,
                             bias: UnsafePointer<Float>?, gamma: UnsafePointer<Float>?, portable: Bool = false) {
        if CPUFeatures.hasAVX2AndFMA && !portable {
            return AVX2Kernels.residualRows(residual, branch: branch, rows: rows, width: width, bias: bias, gamma: gamma)
        }
        for row in rows {
            let target = residual + row * width, source = branch + row * width
            for column in 0..<width { target[column] += (source[column] + (bias?[column] ?? 0)) * (gamma?[column] ?? 1) }
        }
    }

    /// LayerNorm of rows `rows` (weight and bias given) from `source` into `output`.
    static func layerNormRows(source: UnsafePointer<Float>, rows: Range<Int>, width: Int, eps: Float,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                              portable: Bool = false) {
        if CPUFeatures.hasAVX2AndFMA && !portable {
            return AVX2Kernels.layerNormRows(source: source, rows: rows, width: width, eps: eps, weight: weight, bias: bias,
                                             output: output)
        }
        let inverseStd = UnsafeMutablePointer<Float>.allocate(capacity: rows.upperBound)
        defer { inverseStd.deallocate() }
        LayerNormKernels.forward(source: source, rows: rows, width: width, eps: eps, weight: weight, bias: bias,
                                 output: output, normalized: nil, inverseStd: inverseStd)
    }

    /// Multiplies `count` floats by `factor`.
    @inline(__always)
    static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        if CPUFeatures.hasAVX2AndFMA { return AVX2Kernels.scale(values, count: count, by: factor) }
        for index in 0..<count { values[index] *= factor }
    }
}
