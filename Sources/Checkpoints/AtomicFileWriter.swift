import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A sequential output file that counts the bytes written so far (zip writers need offsets).
final class CountingFileOutput {
    private let handle: FileHandle
    private let displayName: String
    /// Bytes written since the file was created.
    private(set) var bytesWritten = 0

    fileprivate init(handle: FileHandle, displayName: String) {
        self.handle = handle
        self.displayName = displayName
    }

    /// Appends `data` to the file.
    func write(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw CheckpointError.writeFailed(file: displayName, reason: error.localizedDescription)
        }
        bytesWritten += data.count
    }

    /// Appends `count` copies of `byte`.
    func writePadding(count: Int, byte: UInt8) throws {
        if count > 0 { try write(Data(repeating: byte, count: count)) }
    }
}

/// Writes files atomically: the content goes to a temporary file in the destination's directory,
/// which is flushed to disk and then renamed over the destination. A reader therefore sees either
/// the old file or the complete new one, never a partial file, even if the writer crashes.
enum AtomicFileWriter {
    /// Creates (or replaces) the file at `url` with what `produceContent` writes.
    ///
    /// - Throws: ``CheckpointError/writeFailed(file:reason:)``, or whatever `produceContent`
    ///   throws; in both cases the temporary file is removed and `url` is left untouched.
    static func write(to url: URL, _ produceContent: (CountingFileOutput) throws -> Void) throws {
        let displayName = url.checkpointDisplayName
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(displayName).\(UUID().uuidString).partial")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CheckpointError.writeFailed(
                file: displayName, reason: "cannot create a temporary file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try produceContent(CountingFileOutput(handle: handle, displayName: displayName))
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary.path, url.path) == 0 else {
                throw CheckpointError.writeFailed(
                    file: displayName, reason: "cannot rename the temporary file into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if error is CheckpointError { throw error }
            throw CheckpointError.writeFailed(file: displayName, reason: error.localizedDescription)
        }
    }
}
