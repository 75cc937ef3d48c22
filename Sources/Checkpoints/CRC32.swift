import Foundation

/// The CRC-32 checksum of zip archives (IEEE 802.3 polynomial, reflected, 0xEDB88320).
enum CRC32 {
    /// One entry per byte value: the CRC of that byte alone.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
        }
        return crc
    }

    /// The checksum of `data`.
    static func checksum(of data: Data) -> UInt32 {
        data.withUnsafeBytes { checksum(of: $0) }
    }

    /// The checksum of the bytes in `buffer`.
    static func checksum(of buffer: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { lookup in
            for byte in buffer {
                crc = lookup[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
