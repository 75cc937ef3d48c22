import TensorKit

/// The mobile inverted bottleneck (MBConv) of MobileNetV2 (Sandler et al., CVPR 2018), reused by
/// MnasNet (Tan et al., CVPR 2019) and EfficientNet-Lite (Tan & Le, ICML 2019):
///
///     x ─► 1×1 expand + BN + act ─► k×k depthwise (stride s) + BN + act ─► 1×1 project + BN ─► (+ x)
///
/// The expansion is absent when the expansion ratio is 1; the residual is added when the block
/// keeps the shape (stride 1, same channel count). Every BatchNorm is folded into its convolution.
struct InvertedResidualBlock: Sendable {
    /// `nil` for expansion ratio 1.
    let expand: Conv2d?
    let depthwise: Conv2d
    let project: Conv2d
    let addsResidual: Bool

    /// `x` is `[N, H, W, Cin]`; returns `[N, H/s, W/s, Cout]`.
    func callAsFunction(_ input: FeatureMap) -> FeatureMap {
        let expanded = expand.map { $0(input) } ?? input
        let filtered = depthwise(expanded)
        return addsResidual ? project(filtered, addingResidual: input) : project(filtered)
    }
}
