import Foundation

/// Reads a whole input file whose size is bounded: a JSON document, a split file, an annotation
/// export. The size is checked with `stat` before any byte is read, so a 40 GB file given where a
/// small document belongs is refused instead of being loaded.
public enum FileContents {
    /// The usual bound for documents (configs, GeoJSON, prediction files): 1 GiB.
    public static let documentLimit = 1 << 30

    /// The bytes of `url`.
    /// - Throws: ``FileError`` naming the file when it is missing, a directory, unreadable or
    ///   larger than `maximumBytes`.
    public static func read(_ url: URL, maximumBytes: Int = documentLimit, kind: String = "document") throws -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FileError(path: url.path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw FileError(path: url.path, problem: "is a directory, not a \(kind)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
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
