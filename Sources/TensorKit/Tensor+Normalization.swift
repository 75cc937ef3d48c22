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
        let recording = Tensor.isRecorded([self, weight, bias])
        // Every element of the three buffers is written by the kernel (x̂ only when recording).
        var normalized = [Float](unsafeUninitializedCapacity: recording ? count : 0) { _, initialized in
            initialized = recording ? count : 0
        }
        var inverseStd = [Float](unsafeUninitializedCapacity: rows) { _, initialized in initialized = rows }
        var output = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        scalars.withUnsafeBufferPointer { source in
            (weight?.scalars ?? []).withUnsafeBufferPointer { weightBuffer in
                (bias?.scalars ?? []).withUnsafeBufferPointer { biasBuffer in
                    output.withUnsafeMutableBufferPointer { outputBuffer in
                        normalized.withUnsafeMutableBufferPointer { normalizedBuffer in
                            inverseStd.withUnsafeMutableBufferPointer { inverseBuffer in
                                // An empty array may still have a base address: no weight must mean nil.
                                let input = source.baseAddress
                                let scale = weight == nil ? nil : weightBuffer.baseAddress
                                let shift = bias == nil ? nil : biasBuffer.baseAddress
                                let (target, normal, inverse) = (outputBuffer.baseAddress, normalizedBuffer.baseAddress,
                                                                 inverseBuffer.baseAddress)
                                guard rows > 0, width > 0 else { return }
                                ParallelLoop.forEachChunk(count: rows, costPerItem: width) { chunk in
                                    LayerNormKernels.forward(source: input!, rows: chunk, width: width, eps: eps,
                                                             weight: scale, bias: shift, output: target!,
                                                             normalized: recording ? normal : nil, inverseStd: inverse!)
                                }
                            }
                        }
                    }
                }
            }
        }
        guard recording else { return Tensor(shape: shape, scalars: output) }
        return Tensor(shape: shape, scalars: output,
                      node: GradNode(operation: .layerNorm(self, weight: weight, bias: bias,
                                                           normalized: Tensor(shape: shape, scalars: normalized),
                                                           inverseStd: inverseStd)))
    }

    /// Inverted dropout: zeroes each element with probability `p` and scales survivors by
    /// `1 / (1 - p)`, drawing from `generator` (16-bit resolution: four draws per random word).
    /// Identity when `p == 0`.
    public func dropout(probability p: Float, generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability must be in [0, 1), got \(p)")
        if p == 0 { return self }
        let keepScale = 1 / (1 - p)
        let keep = generator.dropoutKeepMask(count: count, probability: p)
        // One pass writes the mask (kept for the backward rule of the product) and the product.
        var mask = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        let output = keep.withUnsafeBufferPointer { flags in
            scalars.withUnsafeBufferPointer { input in
                mask.withUnsafeMutableBufferPointer { maskBuffer in
                    let (keepFlags, source, maskBase) = (flags.baseAddress, input.baseAddress, maskBuffer.baseAddress)
                    return ParallelLoop.makeArray(count: flags.count) { range, output in
                        for index in range {
                            let factor: Float = keepFlags![index] == 0 ? 0 : keepScale
                            maskBase![index] = factor
                            output[index] = source![index] * factor
                        }
                    }
                }
            }
        }
        let maskTensor = Tensor(shape: shape, scalars: mask)
        return .recorded(shape: shape, scalars: output, .multiply(self, maskTensor), inputs: self, maskTensor)
    }
}
