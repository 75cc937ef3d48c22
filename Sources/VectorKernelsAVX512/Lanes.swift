import VectorKernelsAVX2

extension AVX512Kernels {
    @inline(__always)
    static func loadWide(_ pointer: UnsafePointer<Float>) -> Wide {
        UnsafeRawPointer(pointer).loadUnaligned(as: Wide.self)
    }

    @inline(__always)
    static func storeWide(_ value: Wide, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Wide.self)
    }

    @inline(__always)
    static func loadNarrow(_ pointer: UnsafePointer<Float>) -> Narrow {
        UnsafeRawPointer(pointer).loadUnaligned(as: Narrow.self)
    }

    @inline(__always)
    static func storeNarrow(_ value: Narrow, to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Narrow.self)
    }
}

/// An activation applied the way the AVX2 kernels' `activate` does (compare-and-replace, so NaN
/// stays NaN), for 16 lanes, 8 lanes or one value of channel `channel`; `slopes` (PReLU) holds at
/// least `channel + lanes` values. Concrete lane types only: generic `SIMD` code is not specialised
/// across these calls and runs lane by lane.
protocol WideActivation {
    static func apply(_ x: SIMD16<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD16<Float>
    static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float>
    static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float
}

enum IdentityLanes: WideActivation {
    @inline(__always) static func apply(_ x: SIMD16<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD16<Float> { x }
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> { x }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float { x }
}

enum ReLULanes: WideActivation {
    @inline(__always) static func apply(_ x: SIMD16<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD16<Float> {
        var x = x
        x.replace(with: 0, where: x .< 0)
        return x
    }
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> {
        var x = x
        x.replace(with: 0, where: x .< 0)
        return x
    }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float { x < 0 ? 0 : x }
}

enum ReLU6Lanes: WideActivation {
    @inline(__always) static func apply(_ x: SIMD16<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD16<Float> {
        var x = x
        x.replace(with: 0, where: x .< 0)
        x.replace(with: 6, where: x .> 6)
        return x
    }
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> {
        var x = x
        x.replace(with: 0, where: x .< 0)
        x.replace(with: 6, where: x .> 6)
        return x
    }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float { x < 0 ? 0 : (x > 6 ? 6 : x) }
}

enum PReLULanes: WideActivation {
    @inline(__always) static func apply(_ x: SIMD16<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD16<Float> {
        var x = x
        x.replace(with: x * AVX512Kernels.loadWide(slopes! + channel), where: x .< 0)
        return x
    }
    @inline(__always) static func apply(_ x: SIMD8<Float>, slopes: UnsafePointer<Float>?, channel: Int) -> SIMD8<Float> {
        var x = x
        x.replace(with: x * AVX512Kernels.loadNarrow(slopes! + channel), where: x .< 0)
        return x
    }
    @inline(__always) static func apply(_ x: Float, slopes: UnsafePointer<Float>?, channel: Int) -> Float { x < 0 ? x * slopes![channel] : x }
}

/// `V.scalarCount` floats from `pointer` (unaligned).
@inline(__always)
func loadLanes<V: SIMD>(_ type: V.Type, _ pointer: UnsafePointer<Float>) -> V where V.Scalar == Float {
    UnsafeRawPointer(pointer).loadUnaligned(as: V.self)
}

/// Stores `value` at `pointer` (unaligned).
@inline(__always)
func storeLanes<V: SIMD>(_ value: V, to pointer: UnsafeMutablePointer<Float>) where V.Scalar == Float {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: V.self)
}
