import FileOutput
import Foundation

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

/// Streams a checkpoint into a file atomically (through ``FileOutput/AtomicFile``: temporary
/// file, flush, rename), reporting failures as ``CheckpointError``s.
enum AtomicFileWriter {
    /// Creates (or replaces) the file at `url` with what `produceContent` writes.
    ///
    /// - Throws: ``CheckpointError/writeFailed(file:reason:)``, or whatever `produceContent`
    ///   throws; in both cases `url` is left untouched.
    static func write(to url: URL, _ produceContent: (CountingFileOutput) throws -> Void) throws {
        let displayName = url.checkpointDisplayName
        do {
            try AtomicFile.write(to: url) { temporaryPath in
                guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
                      let handle = FileHandle(forWritingAtPath: temporaryPath) else {
                    throw CheckpointError.writeFailed(
                        file: displayName, reason: "cannot create a file in \(url.deletingLastPathComponent().path)")
                }
                defer { try? handle.close() }
                try produceContent(CountingFileOutput(handle: handle, displayName: displayName))
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError.writeFailed(file: displayName, reason: "\(error)")
        }
    }
}
