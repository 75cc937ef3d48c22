import CZlib
import Foundation

/// The CRC-32 checksum of zip archives (IEEE 802.3, as zip and PNG use it), computed by zlib.
enum CRC32 {
    /// The checksum of `data`.
    static func checksum(of data: Data) -> UInt32 {
        data.withUnsafeBytes { checksum(of: $0) }
    }

    /// The checksum of the bytes in `buffer` (fed to zlib in pieces its 32-bit length accepts).
    static func checksum(of buffer: UnsafeRawBufferPointer) -> UInt32 {
        var crc = crc32(0, nil, 0)
        var offset = 0
        while offset < buffer.count {
            let length = min(buffer.count - offset, 1 << 30)
            crc = crc32(crc, buffer.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
