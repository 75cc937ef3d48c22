import FileOutput
import Foundation

/// Random-access reads of exact byte ranges from a file, with errors instead of short reads.
///
/// Used by the safetensors reader and the zip reader so that only the bytes actually needed
/// (a header, one tensor, one zip entry) are read from disk.
final class FileByteReader {
    /// The file being read.
    let url: URL
    /// File size in bytes, measured when the reader was opened.
    let size: Int
    private let handle: FileHandle

    /// Opens `url` for reading; throws ``CheckpointError/unreadable(file:reason:)`` on failure.
    init(url: URL) throws {
        self.url = url
        do {
            // Before opening: opening a FIFO blocks until a writer comes, a device never ends.
            try FileContents.requireRegularFile(url, kind: "checkpoint")
            handle = try FileHandle(forReadingFrom: url)
            let end = try handle.seekToEnd()
            guard end <= UInt64(Int.max) else {
                throw CheckpointError.unreadable(file: url.checkpointDisplayName, reason: "file is too large")
            }
            size = Int(end)
        } catch let error as CheckpointError {
            throw error
        } catch let error as FileError {
            throw CheckpointError.unreadable(file: url.checkpointDisplayName, reason: error.problem)
        } catch {
            throw CheckpointError.unreadable(file: url.checkpointDisplayName, reason: error.localizedDescription)
        }
    }

    deinit {
        try? handle.close()
    }

    /// Reads exactly `count` bytes starting at `offset`.
    ///
    /// - Parameter what: names the structure being read, for the error message.
    /// - Throws: ``CheckpointError/truncated(file:reason:)`` when the range extends past the end of
    ///   the file (or the file shrank since it was opened).
    func read(at offset: Int, count: Int, what: @autoclosure () -> String) throws -> Data {
        let file = url.checkpointDisplayName
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw CheckpointError.truncated(
                file: file, reason: "\(what()) needs \(count) bytes at offset \(offset) but the file has \(size) bytes")
        }
        if count == 0 { return Data() }
        var result = Data(capacity: count)
        do {
            try handle.seek(toOffset: UInt64(offset))
            while result.count < count {
                guard let chunk = try handle.read(upToCount: count - result.count), !chunk.isEmpty else { break }
                result.append(chunk)
            }
        } catch {
            throw CheckpointError.unreadable(file: file, reason: "\(what()): \(error.localizedDescription)")
        }
        guard result.count == count else {
            throw CheckpointError.truncated(
                file: file, reason: "\(what()) needs \(count) bytes at offset \(offset) but only \(result.count) could be read")
        }
        return result
    }
}
