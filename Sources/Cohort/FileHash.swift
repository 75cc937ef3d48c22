import Crypto
import FileOutput
import Foundation

/// SHA-256 of a file, read in 1 MiB pieces.
enum FileHash {
    static func sha256(of url: URL) throws -> (size: Int64, hex: String) {
        do { try FileContents.requireRegularFile(url) } catch let error as FileError {
            throw CohortError.file(path: url.path, reason: error.problem)
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CohortError.file(path: url.path, reason: "cannot be read to hash it")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let piece = try handle.read(upToCount: 1 << 20) ?? Data()
            if piece.isEmpty { break }
            size += Int64(piece.count)
            hasher.update(data: piece)
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
