import VectorKernelsAVX2

/// The last step of every fast kernel in the convolution kit: for one pixel's run of channels,
/// `x = activation(x + bias)` in place (optionally `x = activation(x · scale + bias)`), eight
/// channels at a time with SIMD.
///
/// Raw pointers are confined to this small function; the caller guarantees `values`, `bias`
/// (and `scale`, `slopes`) each hold `channelCount` floats.
@inline(__always)
func applyChannelEpilogue(_ values: UnsafeMutablePointer<Float>, channelCount: Int,
                          scale: UnsafePointer<Float>?, bias: UnsafePointer<Float>,
                          activation: ActivationKind, slopes: UnsafePointer<Float>?) {
    var channel = 0
    let zero = SIMD8<Float>(repeating: 0), six = SIMD8<Float>(repeating: 6)
    while channel + 8 <= channelCount {
        let raw = UnsafeMutableRawPointer(values + channel)
        var x = raw.loadUnaligned(as: SIMD8<Float>.self)
        if let scale { x = x * UnsafeRawPointer(scale + channel).loadUnaligned(as: SIMD8<Float>.self) }
        x = x + UnsafeRawPointer(bias + channel).loadUnaligned(as: SIMD8<Float>.self)
        switch activation {
        case .identity: break
        // `replacing(with:where:)` on a lane mask compiles to a vector select; the generic
        // `pointwiseMax` does not get vectorised (it showed as 27 % of MobileNetV2's time).
        case .relu: x.replace(with: zero, where: x .< zero)
        case .relu6:
            x.replace(with: zero, where: x .< zero)
            x.replace(with: six, where: x .> six)
        case .prelu:
            let slope = UnsafeRawPointer(slopes! + channel).loadUnaligned(as: SIMD8<Float>.self)
            x.replace(with: x * slope, where: x .< zero)
        }
        raw.storeBytes(of: x, as: SIMD8<Float>.self)
        channel += 8
    }
    while channel < channelCount {
        var x = values[channel]
        if let scale { x *= scale[channel] }
        x += bias[channel]
        switch activation {
        case .identity: break
        case .relu: x = Swift.max(x, 0)
        case .relu6: x = Swift.min(Swift.max(x, 0), 6)
        case .prelu: if x < 0 { x *= slopes![channel] }
        }
        values[channel] = x
        channel += 1
    }
}

/// ``Activation`` without its payload, cheap to switch on inside kernels (the AVX2 kernels' own
/// enum, so both kernel families take the same value).
typealias ActivationKind = KernelActivation

/// Which family of convolution kernels runs: the portable SIMD loops and OpenBLAS (any x86-64,
/// and the reference twins of the fast kernels) or the AVX2 + FMA kernels of `VectorKernelsAVX2`
/// (own GEMM with fused epilogue, depthwise, epilogues). Tests run both on the same inputs.
enum KernelPath: Sendable {
    case portable, avx2

    /// AVX2 when the CPU has it (``CPUFeatures/hasAVX2AndFMA``), else portable.
    static let preferred: KernelPath = CPUFeatures.hasAVX2AndFMA ? .avx2 : .portable
}

extension Activation {
    var kind: ActivationKind {
        switch self {
        case .identity: return .identity
        case .relu: return .relu
        case .relu6: return .relu6
        case .prelu: return .prelu
        }
    }

    /// PReLU slopes (empty for the other activations).
    var slopeValues: [Float] {
        if case .prelu(let slopes) = self { return slopes }
        return []
    }
}
