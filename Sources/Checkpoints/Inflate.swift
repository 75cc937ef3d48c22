import CZlib
import Foundation

/// Raw DEFLATE decompression (zip method 8) through zlib, into a buffer of the size the archive
/// declares — never more: a "zip bomb" whose data inflates beyond its declared size is an error.
enum Inflate {
    /// Inflates `compressed` into exactly `size` bytes.
    /// - Throws: ``CheckpointError/malformedArchive(file:reason:)`` naming `file` and `entry` when the
    ///   stream is damaged, ends early or holds more than `size` bytes.
    static func rawDeflate(_ compressed: Data, size: Int, file: String, entry: String) throws -> Data {
        func failure(_ reason: String) -> CheckpointError { .malformedArchive(file: file, reason: "entry '\(entry)': \(reason)") }
        guard compressed.count <= Int(UInt32.max), size <= Int(UInt32.max) else {
            throw failure("deflated entries above 4 GB are not supported")
        }
        var output = Data(count: size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw failure("zlib cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        var spare: UInt8 = 0
        let status: Int32 = compressed.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { destination in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = destination.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(destination.count)
                var result = inflate(&stream, Z_FINISH)
                if result == Z_BUF_ERROR && stream.avail_out == 0 {
                    // Output full but the stream not ended: one more byte tells "more data" from "ended".
                    withUnsafeMutablePointer(to: &spare) { byte in
                        stream.next_out = byte
                        stream.avail_out = 1
                        result = inflate(&stream, Z_FINISH)
                    }
                    if stream.avail_out == 0 { return Z_DATA_ERROR - 100 }   // inflated beyond the declared size
                }
                return result
            }
        }
        switch status {
        case Z_STREAM_END:
            guard Int(stream.total_out) == size else {
                throw failure("inflates to \(stream.total_out) bytes, but the archive declares \(size)")
            }
            return output
        case Z_DATA_ERROR - 100:
            throw failure("inflates to more than the \(size) bytes the archive declares")
        case Z_BUF_ERROR:
            throw failure("the compressed data ends early")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw failure("damaged compressed data (\(message))")
        }
    }
}

/// One member of a zip archive (a wheel, a `.pth`), read by the same hardened reader the checkpoint
/// importer uses: sizes checked against the file, deflate through zlib, CRC-32 verified.
public enum ZipMember {
    /// The bytes of the member called `name` in the archive at `url`.
    /// - Throws: ``CheckpointError`` naming the archive when it is damaged or lacks the member.
    public static func contents(of name: String, inArchive url: URL) throws -> Data {
        let archive = try ZipArchive(url: url)
        guard let entry = archive.entry(named: name) else {
            throw CheckpointError.malformedArchive(file: url.checkpointDisplayName, reason: "has no member '\(name)'")
        }
        return try archive.contents(of: entry)
    }
}
