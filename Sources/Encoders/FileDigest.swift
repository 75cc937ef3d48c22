import Crypto
import FileOutput
import Foundation

/// SHA-256 of files through swift-crypto, streamed in 1 MB chunks: the check applied to
/// downloaded weights (``WeightCatalog``) and the key of the feature cache.
enum FileDigest {
    /// Lowercase hexadecimal SHA-256 of the file at `url`.
    /// - Throws: ``WeightCacheError/unreadable(path:)`` when the file cannot be read.
    static func sha256Hex(ofFile url: URL) throws -> String {
        // A FIFO would block the open; a device would never end.
        guard (try? FileContents.requireRegularFile(url)) != nil, let handle = FileHandle(forReadingAtPath: url.path) else {
            throw WeightCacheError.unreadable(path: url.path)
        }
        defer { try? handle.close() }
        var hasher = Crypto.SHA256()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw WeightCacheError.unreadable(path: url.path)
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
