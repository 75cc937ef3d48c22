import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (`flock(2)`) on a lock file, held for the lifetime of this object:
/// the one way a run directory, a feature cache entry or an output directory is claimed by one
/// writer. The kernel releases the lock when the process ends, even after `kill -9`, so a lock
/// file left behind by a dead process never blocks anyone.
///
/// The lock file holds a line naming the holder (`pid 4711 on node3 since 2026-12-01T09:12:00Z:
/// hatnet train`), which a refused second writer prints.
public final class DirectoryLock: @unchecked Sendable {
    /// The lock file.
    public let url: URL
    private var descriptor: Int32

    /// The lock file name inside a locked directory.
    public static let fileName = ".hatnet.lock"

    private init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Releases the lock (also done on deinit and by the kernel at exit).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    /// Locks `directory` (creating it if needed) for `purpose`, or throws naming the holder.
    ///
    /// - Throws: ``FileError`` naming the directory when another process holds the lock or the
    ///   lock file cannot be created.
    public static func acquire(directory: URL, purpose: String) throws -> DirectoryLock {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: directory.path, problem: "cannot create the directory (\(error.localizedDescription))")
        }
        let lockFile = directory.appendingPathComponent(fileName)
        guard let lock = try tryAcquire(file: lockFile, purpose: purpose) else {
            throw FileError(path: directory.path, problem: "another hatnet process is writing here (\(holder(of: lockFile))); "
                            + "wait for it to finish or choose another directory")
        }
        return lock
    }

    /// Locks `file` for `purpose` if no other process holds it; `nil` when one does.
    /// - Throws: ``FileError`` when the lock file cannot be opened.
    public static func tryAcquire(file: URL, purpose: String) throws -> DirectoryLock? {
        let descriptor = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            throw FileError(path: file.path, problem: "cannot open the lock file (\(String(cString: strerror(errno))))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        let line = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since "
            + ISO8601DateFormatter().string(from: Date()) + ": \(purpose)\n"
        _ = ftruncate(descriptor, 0)
        _ = line.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return DirectoryLock(url: file, descriptor: descriptor)
    }

    /// Whether some process holds the lock on `file` right now.
    public static func isHeld(file: URL) -> Bool {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }

    /// The holder line written by the process that holds `file`.
    public static func holder(of file: URL) -> String {
        guard let data = FileManager.default.contents(atPath: file.path), !data.isEmpty else { return "holder unknown" }
        return String(decoding: data.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension AtomicFile {
    /// Removes temporary files that killed processes left in `directory`: names of the form
    /// `.<name>.tmp-<pid>-<n>` whose process no longer runs on this machine. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaryFiles(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let pid = temporaryFileOwner(name), pid != getpid(), !processIsAlive(pid) else { continue }
            if unlink(directory.appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// The pid encoded in a temporary file name written by ``write(to:using:)``, or `nil`.
    static func temporaryFileOwner(_ name: String) -> pid_t? {
        guard let marker = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let parts = name[marker.upperBound...].split(separator: "-")
        guard parts.count == 2, UInt32(parts[1]) != nil, let pid = pid_t(parts[0]), pid > 0 else { return nil }
        return pid
    }

    private static func processIsAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
