/// A point-wise non-linearity applied channel by channel at the end of a convolution or affine pass.
public enum Activation: Sendable {
    /// No non-linearity (e.g. the linear bottleneck of MobileNetV2).
    case identity
    /// `max(x, 0)`.
    case relu
    /// `min(max(x, 0), 6)` (MobileNetV2, EfficientNet-Lite).
    case relu6
    /// PyTorch `nn.PReLU(C)`: `x` if `x ≥ 0`, else `slope[c]·x`, one learned slope per channel.
    case prelu(slopes: [Float])

    /// The reference definition for one value of channel `channel` (used by the naive loops).
    public func apply(_ value: Float, channel: Int) -> Float {
        switch self {
        case .identity: return value
        case .relu: return Swift.max(value, 0)
        case .relu6: return Swift.min(Swift.max(value, 0), 6)
        case .prelu(let slopes): return value >= 0 ? value : slopes[channel] * value
        }
    }

    /// Checks that a PReLU has one slope per channel of a layer with `channels` outputs.
    func validate(channels: Int, layer: String) {
        if case .prelu(let slopes) = self {
            precondition(slopes.count == channels, "\(layer): PReLU has \(slopes.count) slopes for \(channels) channels")
        }
    }
}
