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
    /// The hidden temporary name ``write(to:using:)`` writes `fileName` under before the rename:
    /// `.<fileName>.tmp-<pid>-<nonce>@<host tag>`. The host tag (``hostTag``) says which machine's
    /// pid it is, so that a cleaner on another node sharing the directory (NFS, Lustre) never takes
    /// a live writer there for a dead process here. When the tag would make the name longer than a
    /// file name may be (255 bytes), it is left out and only the age rule of
    /// ``removeStaleTemporaryFiles(in:now:)`` can remove the file.
    public static func temporaryFileName(for fileName: String, pid: pid_t = getpid(),
                                         nonce: UInt32 = UInt32.random(in: 0...UInt32.max), hostTag: String = hostTag) -> String {
        let untagged = "." + fileName + ".tmp-\(pid)-\(nonce)"
        let tagged = untagged + "@" + hostTag
        return tagged.utf8.count <= 255 ? tagged : untagged
    }

    /// This process's machine and pid space: the host name (letters, digits, `.`, `-`, `_`; at
    /// most 64) and the inode of its pid namespace (`/proc/self/ns/pid`), so two containers with
    /// one host name but separate pid spaces do not judge each other's pids either.
    public static let hostTag: String = {
        let host = String(ProcessInfo.processInfo.hostName.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }.prefix(64))
        let namespace = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid"))?.filter(\.isNumber) ?? ""
        return (host.isEmpty ? "unknown" : host) + "+" + (namespace.isEmpty ? "0" : namespace)
    }()

    /// How long a temporary file may go unmodified before it counts as abandoned whoever wrote it:
    /// a live writer writes its file as it goes and renames it within moments of its last write.
    public static let abandonedAge: TimeInterval = 24 * 3600

    /// Removes the temporary files of ``write(to:using:)`` in `directory` that are provably stale,
    /// and returns their names:
    /// - written on this machine (the name's host tag is ``hostTag``) by a process that no longer
    ///   runs, or
    /// - not modified for ``abandonedAge`` (a file of another machine, or of a hatnet that did not
    ///   tag its names, whose writer cannot be asked).
    ///
    /// A live writer's file is never removed: its pid runs here, or it is on another machine and
    /// was written to within the day. This process's own files are kept whatever their age.
    @discardableResult
    public static func removeStaleTemporaryFiles(in directory: URL, now: Date = Date()) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let owner = temporaryFileOwner(name), !(owner.pid == getpid() && owner.hostTag == hostTag) else { continue }
            let path = directory.appendingPathComponent(name).path
            let stale: Bool
            if owner.hostTag == hostTag {
                stale = !processIsAlive(owner.pid)
            } else {
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
                stale = now.timeIntervalSince(modified) > abandonedAge
            }
            if stale, unlink(path) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }

    /// The pid and host tag (`nil` for untagged names) of a temporary file name written by
    /// ``write(to:using:)``, or `nil` for any other name.
    static func temporaryFileOwner(_ name: String) -> (pid: pid_t, hostTag: String?)? {
        var base = Substring(name), tag: String?
        if let at = name.lastIndex(of: "@") {
            base = name[..<at]
            tag = String(name[name.index(after: at)...])
        }
        guard let marker = base.range(of: ".tmp-", options: .backwards) else { return nil }
        let parts = base[marker.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, UInt32(parts[1]) != nil, let pid = pid_t(parts[0]), pid > 0 else { return nil }
        return (pid, tag)
    }

    private static func processIsAlive(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
