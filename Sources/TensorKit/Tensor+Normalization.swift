import Foundation

extension Tensor {
    /// Softmax along `axis`, computed as `exp(x - max) / Σ exp(x - max)` so that inputs of any
    /// magnitude (e.g. ±1e4) stay finite.
    public func softmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis)
        let output = Tensor(shape: shape, scalars: stableSoftmax(axis: axis, logarithm: false))
        return .recorded(shape: shape, scalars: output.scalars, .softmax(self, axis: axis, output: output), inputs: self)
    }

    /// `log(softmax(x))` along `axis`, computed as `x - max - log Σ exp(x - max)`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let axis = normalizedAxis(axis)
        let output = Tensor(shape: shape, scalars: stableSoftmax(axis: axis, logarithm: true))
        return .recorded(shape: shape, scalars: output.scalars, .logSoftmax(self, axis: axis, output: output), inputs: self)
    }

    private func stableSoftmax(axis: Int, logarithm: Bool) -> [Float] {
        let view = AxisView(shape: shape, axis: axis)
        var result = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for outer in 0..<view.outer {
                    for inner in 0..<view.inner {
                        let base = outer * view.length * view.inner + inner
                        var maximum = -Float.infinity
                        for position in 0..<view.length { maximum = Swift.max(maximum, source[base + position * view.inner]) }
                        var total: Float = 0
                        for position in 0..<view.length {
                            let shifted = Foundation.exp(source[base + position * view.inner] - maximum)
                            target[base + position * view.inner] = shifted
                            total += shifted
                        }
                        if logarithm {
                            let logTotal = Foundation.log(total)
                            for position in 0..<view.length {
                                target[base + position * view.inner] = source[base + position * view.inner] - maximum - logTotal
                            }
                        } else {
                            let inverse = 1 / total
                            for position in 0..<view.length { target[base + position * view.inner] *= inverse }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Layer normalisation over the last axis (`torch.nn.functional.layer_norm`):
    /// `(x - mean) / sqrt(var + eps) * weight + bias`, with the biased variance.
    ///
    /// Shapes: `self` `[..., d]`, `weight` and `bias` `[d]` (both or neither).
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
        precondition(rank >= 1, "layerNorm: needs rank ≥ 1")
        let width = shape[rank - 1]
        precondition((weight == nil) == (bias == nil), "layerNorm: give both weight and bias, or neither")
        if let weight, let bias {
            precondition(weight.shape == [width] && bias.shape == [width],
                         "layerNorm: weight \(weight.shape) / bias \(bias.shape) must be [\(width)] for input \(shape)")
        }
        let rows = width == 0 ? 0 : count / width
        var normalized = [Float](repeating: 0, count: count)
        var inverseStd = [Float](repeating: 0, count: rows)
        var output = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            for row in 0..<rows {
                let base = row * width
                var mean: Float = 0
                for column in 0..<width { mean += source[base + column] }
                mean /= Float(width)
                var variance: Float = 0
                for column in 0..<width {
                    let centered = source[base + column] - mean
                    variance += centered * centered
                }
                variance /= Float(width)
                let inverse = 1 / (variance + eps).squareRoot()
                inverseStd[row] = inverse
                for column in 0..<width {
                    let value = (source[base + column] - mean) * inverse
                    normalized[base + column] = value
                    output[base + column] = weight.map { value * $0.scalars[column] + bias!.scalars[column] } ?? value
                }
            }
        }
        let normalizedTensor = Tensor(shape: shape, scalars: normalized)
        var inputs = [self]
        if let weight, let bias { inputs += [weight, bias] }
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else {
            return Tensor(shape: shape, scalars: output)
        }
        return Tensor(shape: shape, scalars: output,
                      node: GradNode(operation: .layerNorm(self, weight: weight, bias: bias,
                                                           normalized: normalizedTensor, inverseStd: inverseStd)))
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales survivors by
    /// `1 / (1 - p)`, drawing from `generator` (16-bit resolution: four draws per random word).
    /// Identity when `p == 0`.
    public func dropout(probability p: Float, generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability must be in [0, 1), got \(p)")
        if p == 0 { return self }
        let keepScale = 1 / (1 - p)
        let keep = generator.dropoutKeepMask(count: count, probability: p)
        let mask = keep.withUnsafeBufferPointer { flags in
            let keepFlags = flags.baseAddress
            return ParallelLoop.makeArray(count: flags.count) { range, output in
                for index in range { output[index] = keepFlags![index] == 0 ? 0 : keepScale }
            }
        }
        return self * Tensor(shape: shape, scalars: mask)
    }
}
