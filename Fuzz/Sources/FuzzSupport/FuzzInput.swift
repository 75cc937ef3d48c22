import Foundation
import TensorKit

/// What every harness shares: the memory budget the parsers are checked against, a scratch
/// file for parsers that only read from a path, and the seed writer.
public enum FuzzInput {
    /// The budget the parsers enforce during fuzzing (as `--max-memory 512M` would): below
    /// libFuzzer's `-rss_limit_mb=2048`, so an input the parser fails to reject by its own
    /// validation shows up as an out-of-memory crash.
    public static let memoryLimit = 512 << 20

    nonisolated(unsafe) private static var configured = false

    /// Sets the memory budget; called by every harness before its first input.
    public static func configure() {
        guard !configured else { return }
        configured = true
        MemoryBudget.setLimit(bytes: memoryLimit)
    }

    /// This process's scratch directory in /dev/shm (RAM, so a write per input costs microseconds).
    public static let scratchDirectory: URL = {
        let shm = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        let base = FileManager.default.fileExists(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        let directory = base.appendingPathComponent("hatnet-fuzz-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: FuzzInput.scratchDirectory) }
        return directory
    }()

    /// The input as bytes.
    public static func data(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let bytes, count > 0 else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Writes `data` to `name` in the scratch directory (replacing it) and returns its URL.
    public static func file(_ data: Data, named name: String) -> URL {
        let url = scratchDirectory.appendingPathComponent(name)
        overwrite(url, with: data)
        return url
    }

    /// Replaces the contents of the file at `url` with `data` in place: open with `O_TRUNC`, one
    /// `write`, close. (`FileManager.createFile` writes a temporary file, renames it and sets
    /// attributes: several times the system calls, for every input.)
    public static func overwrite(_ url: URL, with data: some DataProtocol) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { fatalError("fuzz harness: cannot open its scratch file \(url.path): errno \(errno)") }
        defer { close(descriptor) }
        for region in data.regions {
            region.withUnsafeBytes { buffer in
                var done = 0
                while done < buffer.count {
                    let written = write(descriptor, buffer.baseAddress! + done, buffer.count - done)
                    guard written > 0 else { fatalError("fuzz harness: cannot write its scratch file \(url.path): errno \(errno)") }
                    done += written
                }
            }
        }
    }

    /// Fails the run (a crash libFuzzer records) when `error` does not name `file`: every
    /// message about a bad file must say which file it is.
    public static func requireNamesFile(_ error: Error, _ file: String) {
        let message = String(describing: error)
        guard message.contains(file) else {
            fatalError("fuzz harness: the error does not name the file \(file): \(message)")
        }
    }

    /// When `HATNET_FUZZ_WRITE_SEEDS` names a directory, writes the seeds `make` builds with the
    /// project's own writers into it (`scripts/fuzz.sh --seeds`); otherwise does nothing.
    public static func writeSeedsIfRequested(_ make: () throws -> [(name: String, data: Data)]) {
        guard let path = ProcessInfo.processInfo.environment["HATNET_FUZZ_WRITE_SEEDS"], !path.isEmpty else { return }
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for seed in try make() {
                try seed.data.write(to: directory.appendingPathComponent(seed.name))
            }
        } catch {
            fatalError("fuzz harness: cannot write seeds to \(path): \(error)")
        }
    }

    /// Writes a file with `write` into the scratch directory and returns its bytes (for seeds
    /// made by writers that only write to a URL).
    public static func bytes(writtenBy write: (URL) throws -> Void) throws -> Data {
        let url = scratchDirectory.appendingPathComponent("seed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try write(url)
        return try Data(contentsOf: url)
    }
}
