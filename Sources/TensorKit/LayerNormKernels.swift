/// Raw-pointer kernels of ``Tensor/layerNorm(weight:bias:eps:)`` and its backward rule, one row
/// (the last axis) at a time. Row sums run in eight lanes (``VectorMath/laneSum(_:times:count:)``):
/// vectorised, and slightly more accurate than one running sum.
enum LayerNormKernels {
    /// Normalises rows `rows` of `[_, width]` `source` into `output` (times `weight`, plus `bias`,
    /// when given), storing x̂ in `normalized` (when given) and 1/√(var + eps) in `inverseStd`.
    static func forward(source: UnsafePointer<Float>, rows: Range<Int>, width: Int, eps: Float,
                        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>?,
                        inverseStd: UnsafeMutablePointer<Float>) {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: width)
        defer { scratch.deallocate() }
        for row in rows {
            let input = source + row * width
            let mean = VectorMath.laneSum(input, count: width) / Float(width)
            for column in 0..<width { scratch[column] = input[column] - mean }
            let variance = VectorMath.laneSum(scratch, times: scratch, count: width) / Float(width)
            let inverse = 1 / (variance + eps).squareRoot()
            inverseStd[row] = inverse
            let target = output + row * width
            for column in 0..<width { scratch[column] *= inverse }
            if let normalized { (normalized + row * width).update(from: scratch, count: width) }
            if let weight, let bias {
                for column in 0..<width { target[column] = scratch[column] * weight[column] + bias[column] }
            } else {
                target.update(from: scratch, count: width)
            }
        }
    }

    /// ∂x for rows `rows`: r · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), with ĝ the gradient already
    /// multiplied by the weight.
    static func backward(scaledGradient: UnsafePointer<Float>, normalized: UnsafePointer<Float>,
                         inverseStd: UnsafePointer<Float>, rows: Range<Int>, width: Int,
                         result: UnsafeMutablePointer<Float>) {
        for row in rows {
            let gradient = scaledGradient + row * width, normal = normalized + row * width
            let meanGradient = VectorMath.laneSum(gradient, count: width) / Float(width)
            let meanGradientDotX = VectorMath.laneSum(gradient, times: normal, count: width) / Float(width)
            let target = result + row * width
            let inverse = inverseStd[row]
            for column in 0..<width {
                target[column] = inverse * (gradient[column] - meanGradient - normal[column] * meanGradientDotX)
            }
        }
    }
}
