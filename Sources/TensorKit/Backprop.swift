import Foundation

/// Every backward rule of the autograd engine, in one place.
///
/// Given `g = ∂L/∂output`, each case returns `∂L/∂input` for every input in
/// ``Operation/inputs`` order (`nil` where no gradient is defined or `needed` says the input does
/// not take part in autograd — expensive rules skip that work). Rules run with gradient recording
/// off, so they may freely use differentiable tensor operations.
extension Operation {
    func inputGradients(_ g: Tensor, needed: [Bool]) -> [Tensor?] {
        switch self {
        case .leaf:
            return []

        // y = a ± b, with broadcasting: the gradient is summed back over stretched axes.
        case let .add(a, b):
            return [g.summed(toShape: a.shape), g.summed(toShape: b.shape)]
        case let .subtract(a, b):
            return [g.summed(toShape: a.shape), (-g).summed(toShape: b.shape)]
        // y = a·b: ∂a = g·b, ∂b = g·a.
        case let .multiply(a, b):
            return [needed[0] ? (g * b.detached()).summed(toShape: a.shape) : nil,
                    needed[1] ? (g * a.detached()).summed(toShape: b.shape) : nil]
        // y = a/b: ∂a = g/b, ∂b = -g·a/b².
        case let .divide(a, b):
            let denominator = b.detached()
            return [(g / denominator).summed(toShape: a.shape),
                    (-(g * a.detached()) / (denominator * denominator)).summed(toShape: b.shape)]
        case let .affine(_, scale):
            return [g * scale]

        case let .exp(_, output):             // d eˣ = eˣ
            return [g * output]
        case let .log(x):                     // d ln x = 1/x
            return [g / x.detached()]
        case let .sqrt(_, output):            // d √x = 1 / (2√x)
            return [g / (output * 2)]
        case let .power(x, exponent):         // d xⁿ = n·xⁿ⁻¹
            return [g * x.detached().mapScalars { exponent * Foundation.pow($0, exponent - 1) }]
        case let .tanh(_, output):            // d tanh = 1 - tanh²
            return [g * output.mapScalars { 1 - $0 * $0 }]
        case let .sigmoid(_, output):         // d σ = σ(1 - σ)
            return [g * output.mapScalars { $0 * (1 - $0) }]
        case let .relu(x):
            return [Tensor(shape: g.shape, scalars: Broadcasting.combineSameShape(g.scalars, x.scalars,
                                                                                  ScalarFunctions.RectifierGradient()))]
        case let .relu6(x):
            return [g * x.detached().mapScalars { $0 > 0 && $0 < 6 ? 1 : 0 }]
        case let .clamp(x, minimum, maximum):
            return [g * x.detached().mapScalars { $0 >= minimum && $0 <= maximum ? 1 : 0 }]
        case let .abs(x):                     // sign(x), 0 at 0 (PyTorch)
            return [g * x.detached().mapScalars { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }]

        // Sum: every input element receives the gradient of its output element.
        case let .sum(x, axis, keepDims):
            let kept = keepDims ? g : g.unsqueezed(axis: axis)
            return [kept.broadcast(to: x.shape)]
        // Max: the gradient goes to the position that held the maximum.
        case let .max(x, axis, _, argmax):
            let view = AxisView(shape: x.shape, axis: axis)
            var result = [Float](repeating: 0, count: x.count)
            for outer in 0..<view.outer {
                for inner in 0..<view.inner {
                    let reduced = outer * view.inner + inner
                    result[(outer * view.length + argmax[reduced]) * view.inner + inner] = g.scalars[reduced]
                }
            }
            return [Tensor(shape: x.shape, scalars: result)]
        // ‖x‖₁: sign(x)·g;  ‖x‖₂: x/‖x‖·g (0 where the norm is 0).
        case let .norm(x, p, axis, keepDims, output):
            let gradient = keepDims ? g : g.unsqueezed(axis: axis)
            let source = x.detached()
            if p == 1 {
                return [source.mapScalars { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) } * gradient]
            }
            let norms = keepDims ? output : output.unsqueezed(axis: axis)
            let safeInverse = norms.mapScalars { $0 == 0 ? 0 : 1 / $0 }
            return [source * (gradient * safeInverse)]

        case let .reshape(x):
            return [g.reshaped(x.shape)]
        case let .permute(_, permutation):
            var inverse = [Int](repeating: 0, count: permutation.count)
            for (position, axis) in permutation.enumerated() { inverse[axis] = position }
            return [g.permuted(inverse)]
        // Slice: the gradient is placed back at the sliced positions, zero elsewhere.
        case let .slice(x, axis, range):
            var parts: [Tensor] = []
            if range.lowerBound > 0 { parts.append(.zeros(shapeWith(x.shape, axis, range.lowerBound))) }
            parts.append(g)
            let after = x.shape[axis] - range.upperBound
            if after > 0 { parts.append(.zeros(shapeWith(x.shape, axis, after))) }
            return [parts.count == 1 ? g : Tensor.concat(parts, axis: axis)]
        case let .concat(parts, axis):
            return g.split(axis: axis, sizes: parts.map { $0.shape[axis] })
        case let .broadcast(x):
            return [g.summed(toShape: x.shape)]
        // Index select / gather: scatter-add the gradient back to the selected positions.
        case let .indexSelect(x, axis, indices):
            let view = AxisView(shape: x.shape, axis: axis)
            var result = [Float](repeating: 0, count: x.count)
            for outer in 0..<view.outer {
                for (position, index) in indices.enumerated() {
                    let source = (outer * indices.count + position) * view.inner
                    let target = (outer * view.length + index) * view.inner
                    for inner in 0..<view.inner { result[target + inner] += g.scalars[source + inner] }
                }
            }
            return [Tensor(shape: x.shape, scalars: result)]
        case let .gather(x, axis, indices, indexShape):
            let view = AxisView(shape: x.shape, axis: axis)
            let indexLength = indexShape[axis]
            var result = [Float](repeating: 0, count: x.count)
            for outer in 0..<view.outer {
                for position in 0..<indexLength {
                    for inner in 0..<view.inner {
                        let flat = (outer * indexLength + position) * view.inner + inner
                        result[(outer * view.length + indices[flat]) * view.inner + inner] += g.scalars[flat]
                    }
                }
            }
            return [Tensor(shape: x.shape, scalars: result)]

        // C = op(A)·op(B). With op(A) = A and op(B) = B: ∂A = g·Bᵀ, ∂B = Aᵀ·g; transposed
        // operands swap roles accordingly. A matrix B shared across a batch gets the batch sum.
        case let .matmul(a, b, transposeA, transposeB):
            let left = a.detached(), right = b.detached()
            let gradA = !needed[0] ? nil : transposeA
                ? right.matmul(g, transposeA: transposeB, transposeB: true)
                : g.matmul(right, transposeB: !transposeB)
            let gradB: Tensor?
            if !needed[1] {
                gradB = nil
            } else if b.rank == 2 && a.rank > 2 {
                // A matrix shared by the batch (forward requires !transposeA): fold batch into rows.
                let rowsA = left.reshaped([-1, left.shape[left.rank - 1]])
                let rowsG = g.reshaped([-1, g.shape[g.rank - 1]])
                gradB = transposeB ? rowsG.matmul(rowsA, transposeA: true) : rowsA.matmul(rowsG, transposeA: true)
            } else if transposeB {
                gradB = g.matmul(left, transposeA: true, transposeB: transposeA)
            } else {
                gradB = transposeA ? left.matmul(g) : left.matmul(g, transposeA: true)
            }
            return [gradA, gradB]

        // Fused attention: the rule is spelled out next to its kernel (AttentionKernels.backward).
        case let .attention(query, key, value, probabilities, mask, keepScale, workers, path):
            let gradients = Tensor.attentionGradients(outputGradient: g, query: query, key: key, value: value,
                                                      probabilities: probabilities, mask: mask, keepScale: keepScale,
                                                      workers: workers, path: path)
            return [gradients.query, gradients.key, gradients.value]

        // Y = X·Wᵀ + b: ∂X = G·W, ∂W = Gᵀ·X, ∂b = Σ_rows G.
        case let .linear(input, weight, bias):
            var grads: [Tensor?] = [needed[0] ? g.matmul(weight.detached()) : nil,
                                    needed[1] ? g.matmul(input.detached(), transposeA: true) : nil]
            if bias != nil { grads.append(needed[2] ? g.sum(axis: 0) : nil) }
            return grads

        // Softmax: ∂x = y ⊙ (g − Σ g⊙y).
        case let .softmax(_, axis, output):
            let weighted = (g * output).sum(axis: axis, keepDims: true)
            return [output * (g - weighted)]
        // Log-softmax: ∂x = g − softmax(x) · Σ g.
        case let .logSoftmax(_, axis, output):
            let total = g.sum(axis: axis, keepDims: true)
            return [g - output.exp() * total]
        // Layer norm with x̂ = (x − μ)·r: ∂x = r · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), ĝ = g ⊙ w;
        // ∂w = Σ g ⊙ x̂, ∂b = Σ g over all rows.
        case let .layerNorm(x, weight, bias, normalized, inverseStd):
            let width = x.shape[x.rank - 1]
            let rows = width == 0 ? 0 : x.count / width
            let scaledGrad = weight.map { g * $0.detached() } ?? g
            var result = [Float](unsafeUninitializedCapacity: x.count) { _, initialized in initialized = x.count }
            scaledGrad.scalars.withUnsafeBufferPointer { gradient in
                normalized.scalars.withUnsafeBufferPointer { normal in
                    inverseStd.withUnsafeBufferPointer { inverse in
                        result.withUnsafeMutableBufferPointer { target in
                            let (gradientBase, normalBase, inverseBase, targetBase)
                                = (gradient.baseAddress, normal.baseAddress, inverse.baseAddress, target.baseAddress)
                            guard rows > 0, width > 0 else { return }
                            ParallelLoop.forEachChunk(count: rows, costPerItem: width) { chunk in
                                LayerNormKernels.backward(scaledGradient: gradientBase!, normalized: normalBase!,
                                                          inverseStd: inverseBase!, rows: chunk, width: width, result: targetBase!)
                            }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [Tensor(shape: x.shape, scalars: result)]
            if weight != nil, bias != nil {
                let rowsGrad = g.reshaped([rows, width])
                grads.append((rowsGrad * normalized.reshaped([rows, width])).sum(axis: 0))
                grads.append(rowsGrad.sum(axis: 0))
            }
            return grads
        }
    }
}

private func shapeWith(_ shape: [Int], _ axis: Int, _ extent: Int) -> [Int] {
    var result = shape
    result[axis] = extent
    return result
}
