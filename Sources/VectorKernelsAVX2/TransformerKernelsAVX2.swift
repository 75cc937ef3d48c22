/// The point-wise function of a transformer MLP (timm `act_layer`), for the token kernels below.
public enum TokenActivation: Sendable {
    case identity
    /// `nn.GELU()`, the exact form `½x(1 + erf(x/√2))`.
    case gelu
    /// `nn.SiLU()`: `x / (1 + e^(−x))`.
    case silu
}

/// Element-wise kernels of a pre-norm transformer block over token rows (`[rows, width]`,
/// row-major, contiguous): LayerNorm, bias + activation after a GEMM, the gated (SwiGLU) product
/// and the LayerScale residual update. Their portable twins are in TensorKit's `TransformerKernels`
/// (scalar `erff` GELU, the reference these are tested against). Every pointer must be valid for
/// `rows × width` floats (the gated source for `rows × 2·half`); the caller sizes them.
extension AVX2Kernels {
    /// erfc(|x|/√2) for eight lanes, relative error below 1e-6: Numerical Recipes' Chebyshev fit
    /// `τ·exp(−t² + P(τ))`, t = |x|/√2, τ = 1/(1 + t/2) (fractional error 1.2e-7 in exact
    /// arithmetic). t² = x²/2 is taken from x split exactly into `hi + lo` by a fused multiply-add
    /// (rounding x/√2 first would cost t²·2⁻²⁴ relative, 4e-6 at x = −12), and `exp(−hi)` and
    /// `exp(P − lo)` are evaluated separately, so the rounding of a large exponent costs nothing.
    @inline(__always)
    static func erfcOfScaledMagnitude(_ x: Lanes) -> Lanes {
        var magnitude = x
        magnitude.replace(with: -x, where: x .< 0)
        let one = Lanes(repeating: 1)
        let tau = one / one.addingProduct(magnitude, Lanes(repeating: 0.353_553_390_593_273_76))   // 1 / (1 + |x|/(2√2))
        var p = Lanes(repeating: 0.170_872_77)
        p = Lanes(repeating: -0.822_152_23).addingProduct(p, tau)
        p = Lanes(repeating: 1.488_515_87).addingProduct(p, tau)
        p = Lanes(repeating: -1.135_203_98).addingProduct(p, tau)
        p = Lanes(repeating: 0.278_868_07).addingProduct(p, tau)
        p = Lanes(repeating: -0.186_288_06).addingProduct(p, tau)
        p = Lanes(repeating: 0.096_784_18).addingProduct(p, tau)
        p = Lanes(repeating: 0.374_091_96).addingProduct(p, tau)
        p = Lanes(repeating: 1.000_023_68).addingProduct(p, tau)
        p = Lanes(repeating: -1.265_512_23).addingProduct(p, tau)
        var square = x * x
        // |x| > 13.3: e^(−x²/2) is below the normal range; erfc is 0 there (and for |x| = ∞).
        square.replace(with: 200, where: magnitude .> 13.3)
        let low = (-square).addingProduct(x, x)             // x·x − hi, exact
        return tau * exp(-0.5 * square) * exp(p - 0.5 * low)
    }

    /// `½x(1 + erf(x/√2))` = `½x·erfc(−x/√2)` for eight lanes: relative error below 2e-6 against
    /// the exact value for every finite x (the negative tail too, where `1 + erff` cancels). NaN
    /// stays NaN; +∞ → +∞, −∞ → NaN, as the scalar formula.
    @inline(__always)
    static func gelu(_ x: Lanes) -> Lanes {
        var complement = erfcOfScaledMagnitude(x)               // erfc(|x|/√2)
        let positive = Lanes(repeating: 2) - complement         // erfc(−|x|/√2)
        complement.replace(with: positive, where: x .>= 0)
        var result = 0.5 * x * complement
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// `x / (1 + e^(−x))` for eight lanes; below x = −88 (where the value is under 1e-36 and the
    /// scalar formula reaches −0 at e^(−x) = ∞) the result is 0.
    @inline(__always)
    static func silu(_ x: Lanes) -> Lanes {
        var negated = -x
        negated.replace(with: 88, where: negated .> 88)
        var result = x / (Lanes(repeating: 1) + exp(negated))
        result.replace(with: 0, where: x .< -88)
        return result
    }

    @inline(__always)
    static func activate(_ x: Lanes, _ activation: TokenActivation) -> Lanes {
        switch activation {
        case .identity: return x
        case .gelu: return gelu(x)
        case .silu: return silu(x)
        }
    }

    /// Eight lanes from `count` < 8 floats at `pointer`, the rest `fill`.
    @inline(__always)
    static func loadPartial(_ pointer: UnsafePointer<Float>, count: Int, fill: Float = 0) -> Lanes {
        var lanes = Lanes(repeating: fill)
        for lane in 0..<count { lanes[lane] = pointer[lane] }
        return lanes
    }

    @inline(__always)
    static func storePartial(_ lanes: Lanes, to pointer: UnsafeMutablePointer<Float>, count: Int) {
        for lane in 0..<count { pointer[lane] = lanes[lane] }
    }

    /// `activation(x + bias)` in place over the rows `rows` of `values` `[_, width]`
    /// (`bias` `[width]`, or nil for none).
    public static func biasActivationRows(_ values: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int,
                                          bias: UnsafePointer<Float>?, activation: TokenActivation) {
        switch activation {
        case .identity: biasActivationRows(values, rows: rows, width: width, bias: bias, TokenActivation.identity)
        case .gelu: biasActivationRows(values, rows: rows, width: width, bias: bias, TokenActivation.gelu)
        case .silu: biasActivationRows(values, rows: rows, width: width, bias: bias, TokenActivation.silu)
        }
    }

    /// The loop, inlined per activation (the constant argument folds the switch away).
    @inline(__always)
    static func biasActivationRows(_ values: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int,
                                   bias: UnsafePointer<Float>?, _ activation: TokenActivation) {
        let lanes = width / 8 * 8
        for row in rows {
            let target = values + row * width
            var column = 0
            while column < lanes {
                var x = load(target + column)
                if let bias { x += load(bias + column) }
                store(activate(x, activation), to: target + column)
                column += 8
            }
            if column < width {
                var x = loadPartial(target + column, count: width - column)
                if let bias { x += loadPartial(bias + column, count: width - column) }
                storePartial(activate(x, activation), to: target + column, count: width - column)
            }
        }
    }

    /// The packed SwiGLU product (timm `GluMlp`, `gate_last=False`): for each row of `source`
    /// `[_, 2·half]` plus `bias` `[2·half]`, `target[r, c] = act(s[r, c]) · s[r, half + c]`
    /// into `target` `[_, half]`.
    public static func gatedActivationRows(source: UnsafePointer<Float>, rows: Range<Int>, half: Int, bias: UnsafePointer<Float>?,
                                           target: UnsafeMutablePointer<Float>, activation: TokenActivation) {
        switch activation {
        case .identity: gatedActivationRows(source: source, rows: rows, half: half, bias: bias, target: target, TokenActivation.identity)
        case .gelu: gatedActivationRows(source: source, rows: rows, half: half, bias: bias, target: target, TokenActivation.gelu)
        case .silu: gatedActivationRows(source: source, rows: rows, half: half, bias: bias, target: target, TokenActivation.silu)
        }
    }

    @inline(__always)
    static func gatedActivationRows(source: UnsafePointer<Float>, rows: Range<Int>, half: Int, bias: UnsafePointer<Float>?,
                                    target: UnsafeMutablePointer<Float>, _ activation: TokenActivation) {
        let lanes = half / 8 * 8
        for row in rows {
            let value = source + row * 2 * half, gate = value + half, output = target + row * half
            var column = 0
            while column < lanes {
                var x = load(value + column), g = load(gate + column)
                if let bias { x += load(bias + column); g += load(bias + half + column) }
                store(activate(x, activation) * g, to: output + column)
                column += 8
            }
            if column < half {
                let count = half - column
                var x = loadPartial(value + column, count: count), g = loadPartial(gate + column, count: count)
                if let bias { x += loadPartial(bias + column, count: count); g += loadPartial(bias + half + column, count: count) }
                storePartial(activate(x, activation) * g, to: output + column, count: count)
            }
        }
    }

    /// The residual update of a block's branch: `residual += gamma ⊙ (branch + bias)` over rows
    /// `rows` of `[_, width]` (`bias`, `gamma` `[width]`, each optional).
    public static func residualRows(_ residual: UnsafeMutablePointer<Float>, branch: UnsafePointer<Float>, rows: Range<Int>,
                                    width: Int, bias: UnsafePointer<Float>?, gamma: UnsafePointer<Float>?) {
        let lanes = width / 8 * 8
        for row in rows {
            let target = residual + row * width, source = branch + row * width
            var column = 0
            while column < lanes {
                var x = load(source + column)
                if let bias { x += load(bias + column) }
                if let gamma { x *= load(gamma + column) }
                store(load(target + column) + x, to: target + column)
                column += 8
            }
            while column < width {
                var x = source[column]
                if let bias { x += bias[column] }
                if let gamma { x *= gamma[column] }
                target[column] += x
                column += 1
            }
        }
    }

    /// LayerNorm over rows `rows` of `source` `[_, width]` into `output`:
    /// `(x − mean) / √(var + eps) · weight + bias` (biased variance, as PyTorch), `weight` and
    /// `bias` `[width]`. Mean and variance are two passes of eight-lane sums (then the lanes, then
    /// the tail), as TensorKit's `LayerNormKernels`.
    public static func layerNormRows(source: UnsafePointer<Float>, rows: Range<Int>, width: Int, eps: Float,
                                     weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let lanes = width / 8 * 8
        let count = Float(width)
        for row in rows {
            let input = source + row * width, target = output + row * width
            var laneTotal = Lanes(repeating: 0)
            var column = 0
            while column < lanes { laneTotal += load(input + column); column += 8 }
            var total = laneTotal.sum()
            while column < width { total += input[column]; column += 1 }
            let mean = total / count
            let meanLanes = Lanes(repeating: mean)
            var laneSquares = Lanes(repeating: 0)
            column = 0
            while column < lanes {
                let centred = load(input + column) - meanLanes
                laneSquares = laneSquares.addingProduct(centred, centred)
                column += 8
            }
            var squares = laneSquares.sum()
            while column < width { let centred = input[column] - mean; squares += centred * centred; column += 1 }
            let inverse = 1 / (squares / count + eps).squareRoot()
            let inverseLanes = Lanes(repeating: inverse)
            column = 0
            while column < lanes {
                let normalized = (load(input + column) - meanLanes) * inverseLanes
                store(load(bias + column).addingProduct(normalized, load(weight + column)), to: target + column)
                column += 8
            }
            while column < width {
                target[column] = (input[column] - mean) * inverse * weight[column] + bias[column]
                column += 1
            }
        }
    }

    /// Multiplies `count` floats at `values` by `factor` (an attention output row by 1 / Σ).
    @inline(__always)
    public static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        let lanes = count / 8 * 8, factorLanes = Lanes(repeating: factor)
        var index = 0
        while index < lanes { store(load(values + index) * factorLanes, to: values + index); index += 8 }
        while index < count { values[index] *= factor; index += 1 }
    }
}
