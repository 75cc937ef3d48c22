import FileOutput
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The record of a cohort command's work in its output directory: `manifest.jsonl`, one JSON
/// object (``ManifestRecord``) a line, appended by every worker on every machine.
///
/// JSON lines rather than SQLite: the file lives on the cluster's shared filesystem (NFS, Lustre,
/// GPFS), where SQLite's locking is unreliable by its own documentation; an append-only text file
/// needs one `flock` per record, which NFS and Lustre (mounted with `flock`) honour, can be
/// read with `cat` or `jq` by whoever reviews a run, and adds no dependency. A record is one
/// `write(2)` under an exclusive `flock` followed by `fsync`, so concurrent appends never interleave
/// and a crash loses at most the record being written; a torn last line is ignored.
///
/// Readers keep their offset: ``refresh()`` reads only what was appended since, so a worker reads
/// the manifest once in total however many slides it takes.
///
/// The file is input like any other: a line that is not a record, a record whose fields make no
/// sense (a file outside the directory, a negative size, a hash that is not one), and a line longer
/// than ``maximumLineBytes`` are skipped and counted in ``unreadableLines``; the slide they were
/// about then counts as not done and is computed again.
public final class Manifest {
    public static let fileName = "manifest.jsonl"
    /// The longest line read as a record (a `cohort` record of 100,000 slide ids fits easily).
    public static let maximumLineBytes = 16 << 20

    public let url: URL
    /// Each slide's last record.
    public private(set) var latest: [String: ManifestRecord] = [:]
    /// Every record of each slide, oldest first.
    public private(set) var history: [String: [ManifestRecord]] = [:]
    /// The slide list of the last `cohort` record.
    public private(set) var cohort: [String]?
    /// Lines that are not records (a torn write, an edit), skipped.
    public private(set) var unreadableLines = 0

    private var offset: UInt64 = 0
    private var pending: [UInt8] = []
    /// Inside a line longer than ``maximumLineBytes``: its bytes are dropped up to its newline.
    private var skippingLongLine = false
    private var pendingSearched = 0

    /// Opens the manifest in `directory` (the file need not exist yet) and reads it.
    public init(directory: URL) throws {
        url = directory.appendingPathComponent(Self.fileName)
        try refresh()
    }

    /// Reads the records appended since the last read.
    /// - Throws: ``CohortError/file(path:reason:)`` when the file exists but cannot be read.
    public func refresh() throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 {
            if errno == ENOENT { return }
            throw CohortError.file(path: url.path, reason: "cannot read the manifest (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CohortError.file(path: url.path, reason: "cannot read the manifest (\(String(cString: strerror(errno))))")
            }
            if count == 0 { break }
            offset += UInt64(count)
            pending.append(contentsOf: buffer[0..<count])
            takeLines()
        }
    }

    /// Absorbs the complete lines of `pending`, keeping a last partial line for the next read.
    private func takeLines() {
        let decoder = JSONDecoder()
        let ends = Self.newlines(in: pending, from: pendingSearched)
        var start = 0
        for end in ends {
            let line = start..<end
            start = end + 1
            if skippingLongLine {
                skippingLongLine = false
                continue
            }
            if line.count < 16, pending[line].allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
            guard line.count <= Self.maximumLineBytes, let record = try? decoder.decode(ManifestRecord.self, from: Data(pending[line])),
                  record.isWellFormed else {
                unreadableLines += 1
                continue
            }
            absorb(record)
        }
        pending.removeSubrange(0..<start)
        pendingSearched = pending.count
        if pending.count > Self.maximumLineBytes {
            // No newline in sight: drop the line's bytes as they come instead of holding them.
            if !skippingLongLine { unreadableLines += 1 }
            skippingLongLine = true
            pending.removeAll()
            pendingSearched = 0
        }
    }

    /// The offsets of the newlines in `bytes` from `start` on (`memchr`: a manifest of 10,000
    /// slides is 20,000 lines and 10 MB, read by every worker).
    private static func newlines(in bytes: [UInt8], from start: Int) -> [Int] {
        var offsets: [Int] = []
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var from = start
            while from < raw.count, let hit = memchr(base + from, 0x0A, raw.count - from) {
                let offset = base.distance(to: UnsafeRawPointer(hit))
                offsets.append(offset)
                from = offset + 1
            }
        }
        return offsets
    }

    private func absorb(_ record: ManifestRecord) {
        if record.status == .cohort {
            cohort = record.slides
        } else if let slide = record.slide {
            latest[slide] = record
            history[slide, default: []].append(record)
        }
    }

    /// Appends `record` as one line: one `write(2)` under an exclusive `flock`, then `fsync`.
    /// - Throws: ``CohortError/file(path:reason:)`` naming the manifest.
    public func append(_ record: ManifestRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        let descriptor = open(url.path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else {
            throw CohortError.file(path: url.path, reason: "cannot open the manifest for writing (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw CohortError.file(path: url.path, reason: "cannot lock the manifest (\(String(cString: strerror(errno))))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        // A writer killed mid-line left a line without its newline: end it, so that this record
        // starts a line of its own instead of being read as the rest of the torn one.
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_size > 0 {
            var last: UInt8 = 0
            if pread(descriptor, &last, 1, info.st_size - 1) == 1, last != UInt8(ascii: "\n") { line.insert(UInt8(ascii: "\n"), at: 0) }
        }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw CohortError.file(path: url.path, reason: "cannot append to the manifest (\(written < 0 ? String(cString: strerror(errno)) : "short write"))")
        }
        _ = fsync(descriptor)
    }
}
