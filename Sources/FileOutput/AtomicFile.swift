import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes output files atomically, the one implementation every module uses: the content goes to a
/// hidden temporary file in the destination's directory, is flushed to disk, and is then renamed
/// over the destination (`rename(2)` is atomic within a file system). Readers see the old file or
/// the complete new one, never a partial file, and a crash leaves what the user had.
public enum AtomicFile {
    /// Calls `produce` with a temporary path next to `url`, then moves the finished file to `url`.
    /// The temporary file is removed if `produce` or the move fails.
    ///
    /// - Throws: ``FileError`` naming `url` if the move fails; errors of `produce` unchanged.
    public static func write(to url: URL, using produce: (_ temporaryPath: String) throws -> Void) throws {
        let directory = url.deletingLastPathComponent().path
        let temporaryPath = directory + "/" + temporaryFileName(for: url.lastPathComponent)
        do {
            try produce(temporaryPath)
            flushToDisk(temporaryPath)
            guard rename(temporaryPath, url.path) == 0 else {
                throw FileError(path: url.path,
                                problem: "cannot move the finished file into place (\(String(cString: strerror(errno))))")
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Writes `data` to `url` atomically.
    /// - Throws: ``FileError`` naming `url`.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporaryPath in
            do {
                try data.write(to: URL(fileURLWithPath: temporaryPath))
            } catch {
                throw FileError(path: url.path, problem: "cannot write the file (\(error.localizedDescription))")
            }
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    /// - Throws: ``FileError`` naming `url`.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Forces the file's content to disk before the rename, so a crash cannot leave a renamed but
    /// empty file (best effort: a file that cannot be opened is left to the rename to report).
    private static func flushToDisk(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
