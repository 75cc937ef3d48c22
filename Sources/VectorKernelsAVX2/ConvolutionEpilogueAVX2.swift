/// The point-wise non-linearity at the end of a convolution kernel, without payload (PReLU slopes
/// come as a pointer). TensorKit's `Activation` maps onto it; kernels switch on it per tile.
public enum KernelActivation: Sendable {
    case identity, relu, relu6, prelu
}

/// An activation as a type, so that the kernels are specialised for it: the tile epilogue is
/// then a few vector instructions inlined after the accumulation, with no switch per tile.
protocol LaneActivation {
    static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float>
    static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float
}

enum IdentityActivation: LaneActivation {
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> { x }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float { x }
}

enum ReLUActivation: LaneActivation {
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> {
        AVX2Kernels.activate(x, .relu, slopes: slopes, channel: channel)
    }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float {
        AVX2Kernels.activate(x, .relu, slopes: slopes, channel: channel)
    }
}

enum ReLU6Activation: LaneActivation {
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> {
        AVX2Kernels.activate(x, .relu6, slopes: slopes, channel: channel)
    }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float {
        AVX2Kernels.activate(x, .relu6, slopes: slopes, channel: channel)
    }
}

enum PReLUActivation: LaneActivation {
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> {
        AVX2Kernels.activate(x, .prelu, slopes: slopes, channel: channel)
    }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float {
        AVX2Kernels.activate(x, .prelu, slopes: slopes, channel: channel)
    }
}

extension AVX2Kernels {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ value: Lanes, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Lanes.self)
    }

    /// `activation(x)` for eight channels starting at `channel` (`slopes` holds at least
    /// `channel + 8` values for PReLU). NaN stays NaN, as in the portable epilogue.
    @inline(__always)
    static func activate(_ x: Lanes, _ activation: KernelActivation, slopes: UnsafePointer<Float>?, channel: Int) -> Lanes {
        var x = x
        switch activation {
        case .identity: break
        case .relu: x.replace(with: 0, where: x .< 0)
        case .relu6:
            x.replace(with: 0, where: x .< 0)
            x.replace(with: 6, where: x .> 6)
        case .prelu: x.replace(with: x * load(slopes! + channel), where: x .< 0)
        }
        return x
    }

    /// `activation(x)` for one value of channel `channel`.
    @inline(__always)
    static func activate(_ x: Float, _ activation: KernelActivation, slopes: UnsafePointer<Float>?, channel: Int) -> Float {
        switch activation {
        case .identity: return x
        case .relu: return x < 0 ? 0 : x
        case .relu6: return x < 0 ? 0 : (x > 6 ? 6 : x)
        case .prelu: return x < 0 ? x * slopes![channel] : x
        }
    }

    /// In place, for one pixel's run of channels: `x = activation(x · scale + bias)` (`scale` may be
    /// nil: `x + bias`). The AVX2 twin of TensorKit's `applyChannelEpilogue`; the caller guarantees
    /// `values`, `bias` (and `scale`, `slopes`) each hold `channelCount` floats.
    public static func channelEpilogue(_ values: UnsafeMutablePointer<Float>, channelCount: Int,
                                       scale: UnsafePointer<Float>?, bias: UnsafePointer<Float>,
                                       activation: KernelActivation, slopes: UnsafePointer<Float>?) {
        var channel = 0
        while channel + 8 <= channelCount {
            var x = load(values + channel)
            if let scale { x = x * load(scale + channel) }
            store(activate(x + load(bias + channel), activation, slopes: slopes, channel: channel), to: values + channel)
            channel += 8
        }
        while channel < channelCount {
            var x = values[channel]
            if let scale { x *= scale[channel] }
            values[channel] = activate(x + bias[channel], activation, slopes: slopes, channel: channel)
            channel += 1
        }
    }
}
