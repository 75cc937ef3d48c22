import TensorKit

/// PyTorch's `F.interpolate(x, size, mode='bicubic', antialias=True, align_corners=False)` on
/// `NCHW` tensors (aten/src/ATen/native/cpu/UpSampleKernel.cpp, `_compute_indices_weights_aa`),
/// which timm's `resample_abs_pos_embed` uses to fit a ViT's position grid to another image size.
///
/// Separable: the width is resampled, then the height. Along one axis of `inSize → outSize` with
/// `scale = inSize / outSize`, output `i` is centred at `c = scale·(i + ½)`; its taps are the input
/// pixels `j` in `[⌊c − s + ½⌋, ⌊c + s + ½⌋)` clipped to the image, where the support is
/// `s = 2·max(scale, 1)`; tap `j` weighs `K((j − c + ½) / max(scale, 1))` with Keys' cubic kernel
/// (a = −0.5, as PIL), and the weights are divided by their sum. Shrinking thus widens the kernel
/// (the antialiasing); enlarging is plain bicubic with renormalised borders.
public enum AntialiasedBicubic {
    /// `input` `[N, C, H, W]` resampled to `[N, C, height, width]`.
    public static func resize(_ input: Tensor, height: Int, width: Int) -> Tensor {
        precondition(input.rank == 4 && height > 0 && width > 0, "AntialiasedBicubic: input \(input.shape) to \(height)×\(width)")
        let (batch, channels, inputHeight, inputWidth) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let planes = batch * channels
        let columns = AxisWeights(inputSize: inputWidth, outputSize: width)
        let rows = AxisWeights(inputSize: inputHeight, outputSize: height)
        // Width first: [planes, H, W] → [planes, H, width].
        var horizontal = [Float](repeating: 0, count: planes * inputHeight * width)
        for line in 0..<planes * inputHeight {
            let source = line * inputWidth, target = line * width
            for output in 0..<width {
                var sum: Float = 0
                for (offset, weight) in columns.weights[output].enumerated() {
                    sum += input.scalars[source + columns.first[output] + offset] * weight
                }
                horizontal[target + output] = sum
            }
        }
        var result = [Float](repeating: 0, count: planes * height * width)
        for plane in 0..<planes {
            for output in 0..<height {
                let target = (plane * height + output) * width
                for (offset, weight) in rows.weights[output].enumerated() {
                    let source = (plane * inputHeight + rows.first[output] + offset) * width
                    for column in 0..<width { result[target + column] += horizontal[source + column] * weight }
                }
            }
        }
        return Tensor(shape: [batch, channels, height, width], scalars: result)
    }

    /// The normalised taps of every output position along one axis.
    struct AxisWeights {
        /// First input index of each output's taps.
        var first: [Int] = []
        var weights: [[Float]] = []

        init(inputSize: Int, outputSize: Int) {
            let scale = Float(inputSize) / Float(outputSize)
            let support: Float = scale >= 1 ? 2 * scale : 2
            let inverseScale: Float = scale >= 1 ? 1 / scale : 1
            for index in 0..<outputSize {
                let center = scale * (Float(index) + 0.5)
                // Int(_:) truncates toward zero, as the C++ static_cast<int64_t>.
                let low = max(Int(center - support + 0.5), 0)
                let high = min(Int(center + support + 0.5), inputSize)
                var taps = (low..<max(high, low)).map { keysCubic((Float($0) - center + 0.5) * inverseScale) }
                let total = taps.reduce(0, +)
                if total != 0 { taps = taps.map { $0 / total } }
                first.append(low)
                weights.append(taps)
            }
        }
    }

    /// Keys' cubic convolution kernel with a = −0.5 (PyTorch's antialiasing filter).
    static func keysCubic(_ x: Float) -> Float {
        let a: Float = -0.5
        let x = abs(x)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }
}
