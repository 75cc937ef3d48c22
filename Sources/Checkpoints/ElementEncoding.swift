import Foundation

/// Conversion of Swift arrays into the little-endian element bytes checkpoint files store.
enum ElementEncoding {
    /// The little-endian IEEE 754 bytes of `values`.
    static func littleEndianBytes(of values: [Float]) -> Data {
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        return values.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) }
        #endif
    }

    /// The little-endian two's-complement bytes of `values`.
    static func littleEndianBytes(of values: [Int64]) -> Data {
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        return values.map(\.littleEndian).withUnsafeBytes { Data($0) }
        #endif
    }
}

extension Array where Element == UInt8 {
    /// Appends the little-endian bytes of one integer (`T.bitWidth / 8` of them), as binary
    /// file headers (safetensors length, zip records, pickle operands) store them.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for byteIndex in 0..<(T.bitWidth / 8) {
            append(UInt8(truncatingIfNeeded: value >> (8 * byteIndex)))
        }
    }
}
