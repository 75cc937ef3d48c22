import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole input file whose size is bounded: a JSON document, a split file, an annotation
/// export. The size is checked with `stat` before any byte is read, so a 40 GB file given where a
/// small document belongs is refused instead of being loaded.
public enum FileContents {
    /// The usual bound for documents (configs, GeoJSON, prediction files): 1 GiB.
    public static let documentLimit = 1 << 30

    /// Checks that `url` names a regular file (following symbolic links) and returns its size: a
    /// directory, a FIFO or a device given as an input would fail oddly or block forever.
    /// - Throws: ``FileError`` naming the file.
    @discardableResult
    public static func requireRegularFile(_ url: URL, kind: String = "file") throws -> Int {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw FileError(path: url.path, problem: reason)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return Int(status.st_size)
        case S_IFDIR: throw FileError(path: url.path, problem: "is a directory, not a \(kind)")
        default: throw FileError(path: url.path, problem: "is not a regular file (a pipe, socket or device), so it cannot be a \(kind)")
        }
    }

    /// The bytes of `url`.
    /// - Throws: ``FileError`` naming the file when it is missing, a directory, unreadable or
    ///   larger than `maximumBytes`.
    public static func read(_ url: URL, maximumBytes: Int = documentLimit, kind: String = "document") throws -> Data {
        let size = try requireRegularFile(url, kind: kind)
        guard size <= maximumBytes else {
            throw FileError(path: url.path, problem: "is \(size) bytes; a \(kind) larger than \(maximumBytes) bytes is not read")
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw FileError(path: url.path, problem: "cannot be opened for reading (permission denied?)")
        }
        defer { try? handle.close() }
        do {
            // Read at most one byte past the bound, in case the file grew since stat.
            let data = try handle.read(upToCount: maximumBytes + 1) ?? Data()
            guard data.count <= maximumBytes else {
                throw FileError(path: url.path, problem: "grew beyond \(maximumBytes) bytes while being read")
            }
            return data
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(path: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
    }
}
