import Foundation

/// Writes output files atomically: the content goes to a temporary file in the destination's
/// directory, which is then renamed over the destination, so readers never see a half-written file.
public enum AtomicFileWriter {
    /// Calls `write` with a temporary path next to `url`, then renames it to `url`.
    /// The temporary file is removed if `write` throws.
    public static func write(to url: URL, _ write: (String) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try write(temporary.path)
            if rename(temporary.path, url.path) != 0 {
                throw SlideError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw SlideError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
