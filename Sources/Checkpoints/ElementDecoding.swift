import Foundation

/// Conversion of little-endian element bytes, as checkpoint files store them, into Swift arrays.
///
/// The callers have already checked that the byte count equals `count × dataType.byteSize`;
/// the functions here still only read whole elements inside the buffer they are given.
enum ElementDecoding {
    /// Decodes `bytes` as elements of `dataType` and converts each one to `Float`.
    ///
    /// F16 and BF16 convert exactly; F64 and 64-bit integers round to the nearest `Float`.
    static func floats(from bytes: Data, dataType: TensorDataType) -> [Float] {
        let count = bytes.count / dataType.byteSize
        return bytes.withUnsafeBytes { raw -> [Float] in
            switch dataType {
            case .float32:
                return float32s(from: raw, count: count)
            case .float64:
                return (0..<count).map { Float(Double(bitPattern: littleEndianUInt64(raw, at: $0 * 8))) }
            case .float16:
                return (0..<count).map { floatFromHalfBits(littleEndianUInt16(raw, at: $0 * 2)) }
            case .bfloat16:
                return (0..<count).map { Float(bitPattern: UInt32(littleEndianUInt16(raw, at: $0 * 2)) << 16) }
            case .int64, .int32, .int16, .int8, .uint8, .bool:
                return integers(from: raw, count: count, dataType: dataType).map { Float($0) }
            }
        }
    }

    /// Decodes `bytes` as integer (or boolean) elements of `dataType`, exactly, as `Int64`.
    /// Returns `nil` when `dataType` is a floating type.
    static func int64s(from bytes: Data, dataType: TensorDataType) -> [Int64]? {
        guard dataType.isInteger else { return nil }
        let count = bytes.count / dataType.byteSize
        return bytes.withUnsafeBytes { raw in integers(from: raw, count: count, dataType: dataType) }
    }

    /// Converts the bit pattern of an IEEE 754 half-precision number to `Float` (exact).
    static func floatFromHalfBits(_ bits: UInt16) -> Float {
        let isNegative = bits & 0x8000 != 0
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits & 0x3ff)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2⁻²⁴, exactly representable in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return isNegative ? -magnitude : magnitude
        }
        let sign: UInt32 = isNegative ? 0x8000_0000 : 0
        if exponent == 0x1f {
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))  // infinity or NaN
        }
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }

    // MARK: Raw reads (unaligned, little-endian, bounds guaranteed by the callers above)

    /// Copies `count` little-endian Float32 values out of `raw`.
    private static func float32s(from raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
        #if _endian(little)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Same byte layout on a little-endian host: one memcpy of count·4 bytes.
            if count > 0, let source = raw.baseAddress, let destination = buffer.baseAddress {
                UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
            }
            initialized = count
        }
        #else
        return (0..<count).map { Float(bitPattern: littleEndianUInt32(raw, at: $0 * 4)) }
        #endif
    }

    private static func integers(from raw: UnsafeRawBufferPointer, count: Int,
                                 dataType: TensorDataType) -> [Int64] {
        switch dataType {
        case .int64:
            return (0..<count).map { Int64(bitPattern: littleEndianUInt64(raw, at: $0 * 8)) }
        case .int32:
            return (0..<count).map { Int64(Int32(bitPattern: littleEndianUInt32(raw, at: $0 * 4))) }
        case .int16:
            return (0..<count).map { Int64(Int16(bitPattern: littleEndianUInt16(raw, at: $0 * 2))) }
        case .int8:
            return (0..<count).map { Int64(Int8(bitPattern: raw[$0])) }
        case .uint8:
            return (0..<count).map { Int64(raw[$0]) }
        case .bool:
            return (0..<count).map { raw[$0] == 0 ? 0 : 1 }
        case .float64, .float32, .float16, .bfloat16:
            return []
        }
    }

    private static func littleEndianUInt16(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    private static func littleEndianUInt32(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    private static func littleEndianUInt64(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
