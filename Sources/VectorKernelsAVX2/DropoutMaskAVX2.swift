/// Inverted-dropout kernels of the fused attention: the keep flags (one byte each, 0 = dropped)
/// applied eight lanes at a time, `kept = flag == 0 ? 0 : value · keepScale` — the same float
/// operations as the portable loops in TensorKit (`AttentionKernels`, `HeadPanels`), so results
/// are bit-identical.
extension AVX2Kernels {
    /// Eight values times `scale`, zero where the flag byte is 0.
    ///
    /// The eight flag bytes are spread over the lanes with shifts and each byte is moved into the
    /// float exponent field (byte b → the float with exponent bits b: 0 only for b = 0, never a
    /// subnormal), so a float comparison selects the lanes: widening `SIMD8<UInt8>` or comparing
    /// integer lanes compiles to a lane-by-lane loop through the stack.
    @inline(__always)
    static func kept(_ values: UnsafePointer<Float>, flags: UnsafePointer<UInt8>, scale: Lanes) -> Lanes {
        let bits = UnsafeRawPointer(flags).loadUnaligned(as: UInt64.self)
        let low = UInt32(truncatingIfNeeded: bits), high = UInt32(truncatingIfNeeded: bits &>> 32)
        let spread = SIMD8<UInt32>(low, low, low, low, high, high, high, high)
        let byteShifts = SIMD8<UInt32>(0, 8, 16, 24, 0, 8, 16, 24)
        let exponents = unsafeBitCast(((spread &>> byteShifts) & 0xFF) &<< 23, to: Lanes.self)
        return (load(values) * scale).replacing(with: 0, where: exponents .== 0)
    }

    /// `target[i] = keep[i] == 0 ? 0 : source[i] · keepScale` for `i < count`; `target` may be
    /// `source` (in place). The caller guarantees `count` valid elements behind every pointer.
    public static func applyKeepMask(_ source: UnsafePointer<Float>, keep: UnsafePointer<UInt8>, keepScale: Float,
                                     count: Int, into target: UnsafeMutablePointer<Float>) {
        let scale = Lanes(repeating: keepScale)
        var index = 0
        while index + 8 <= count {
            store(kept(source + index, flags: keep + index, scale: scale), to: target + index)
            index += 8
        }
        while index < count {
            target[index] = keep[index] == 0 ? 0 : source[index] * keepScale
            index += 1
        }
    }

    /// Packs a row-major B `[depth, width]` (rows `depthStride` apart) as the column panels of
    /// ``pointwiseConvolution(_:rows:)`` (``panelWidths(outputChannels:)``, each `[depth, panelWidth]`
    /// row-major, columns past `width` zero). With `keep` (flags indexed as `source`) dropped
    /// elements are 0 and kept ones scaled by `keepScale` (P̃ = P ⊙ M); without, a copy.
    /// The twin is TensorKit's `HeadPanels.referencePack`.
    public static func packPanels(_ source: UnsafePointer<Float>, depth: Int, width: Int, depthStride: Int,
                                  keep: UnsafePointer<UInt8>?, keepScale: Float, into panels: UnsafeMutablePointer<Float>) {
        let widths = panelWidths(outputChannels: width)
        let scale = Lanes(repeating: keepScale)
        for k in 0..<depth {
            let sourceRow = source + k * depthStride
            let flagRow = keep.map { $0 + k * depthStride }
            var panel = panels, column = 0
            for panelWidth in widths {
                let target = panel + k * panelWidth
                var lane = 0
                while lane < panelWidth {
                    let start = column + lane
                    if start + 8 <= width {
                        let values = flagRow.map { kept(sourceRow + start, flags: $0 + start, scale: scale) } ?? load(sourceRow + start)
                        store(values, to: target + lane)
                    } else {
                        for offset in 0..<8 {
                            let n = start + offset
                            target[lane + offset] = n >= width ? 0
                                : flagRow.map { $0[n] == 0 ? 0 : sourceRow[n] * keepScale } ?? sourceRow[n]
                        }
                    }
                    lane += 8
                }
                panel += depth * panelWidth
                column += panelWidth
            }
        }
    }
}
