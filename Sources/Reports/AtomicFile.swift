import Foundation

/// Writes output files atomically: content goes to a hidden temporary file in the destination's
/// directory, which is then renamed over the destination (`rename(2)` is atomic within a file
/// system) after its content is flushed to disk, so readers never see a half-written report or
/// plot, and a crash leaves the old file.
public enum AtomicFile {
    /// Calls `produce` with a temporary path next to `url`, then renames it to `url`. The temporary
    /// file is removed if `produce` or the rename fails.
    /// - Throws: ``ReportFileError`` naming `url` if the rename fails; errors of `produce` unchanged.
    public static func write(to url: URL, using produce: (_ temporaryPath: String) throws -> Void) throws {
        let directory = url.deletingLastPathComponent().path
        let temporaryPath = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try produce(temporaryPath)
            flushToDisk(temporaryPath)
            guard rename(temporaryPath, url.path) == 0 else {
                throw ReportFileError(path: url.path, problem: "cannot move the finished file into place (\(String(cString: strerror(errno))))")
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Forces the file's content to disk before the rename, so a crash cannot leave a renamed but
    /// empty file (best effort: a file that cannot be opened is left to the rename to report).
    private static func flushToDisk(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    /// - Throws: ``ReportFileError`` naming `url`.
    public static func write(_ text: String, to url: URL) throws {
        try write(to: url) { temporaryPath in
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: temporaryPath))
            } catch {
                throw ReportFileError(path: url.path, problem: "cannot write the file (\(error.localizedDescription))")
            }
        }
    }
}
