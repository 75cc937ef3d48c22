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

    /// The little-endian bytes of one integer (`T.bitWidth / 8` of them).
    static func littleEndianBytes<T: FixedWidthInteger>(of value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
