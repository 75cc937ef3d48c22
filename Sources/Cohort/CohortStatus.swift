import FileOutput
import Foundation

/// Where a cohort stands, from its manifest: what `hatnet slurm status DIR` prints.
public struct CohortStatus: Sendable {
    public struct Running: Sendable {
        public let slide: String
        public let record: ManifestRecord
        /// Whether the process still works on it (its lock is held, or its pid lives on this host).
        public let alive: Bool
    }

    public let manifest: URL
    public let command: String?
    public private(set) var done: [String] = []
    public private(set) var running: [Running] = []
    public private(set) var failed: [(slide: String, error: String)] = []
    /// Slides of the cohort without a record (or whose last record is from a dead process).
    public private(set) var missing: [String] = []
    public let total: Int
    /// Lines of the manifest that are not records (torn, edited, crafted), skipped.
    public let unreadableLines: Int
    /// CPU seconds, wall seconds, bytes read and written of the done slides' last runs.
    public private(set) var cpuSeconds = 0.0, seconds = 0.0
    public private(set) var bytesRead: Int64 = 0, bytesWritten: Int64 = 0

    /// Reads the manifest in `directory` (or in its only subdirectory that has one, so the root
    /// of a feature cache works too).
    /// - Parameter lockFile: the lock file of a slide, to tell a live `running` entry from a stale one.
    /// - Throws: ``CohortError/file(path:reason:)`` when no manifest is found.
    public init(directory: URL, lockFile: ((String) -> URL)? = nil) throws {
        var directory = directory
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(Manifest.fileName).path) {
            let children = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
            let candidates = children.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(Manifest.fileName).path) }
            guard candidates.count == 1 else {
                throw CohortError.file(path: directory.path, reason: candidates.isEmpty
                    ? "has no \(Manifest.fileName) (nor has any of its subdirectories); give the output directory of a features, predict or visualize run"
                    : "has several subdirectories with a \(Manifest.fileName) (\(candidates.map(\.lastPathComponent).joined(separator: ", "))); name one")
            }
            directory = candidates[0]
        }
        let manifest = try Manifest(directory: directory)
        self.manifest = manifest.url
        let slides = manifest.cohort ?? manifest.latest.keys.sorted()
        total = slides.count
        unreadableLines = manifest.unreadableLines
        command = manifest.latest.values.first?.command
        let locks = lockFile ?? { slide in Self.defaultLockFile(directory: directory, slide: slide) }
        for slide in slides {
            guard let record = manifest.latest[slide] else { missing.append(slide); continue }
            switch record.status {
            case .done:
                done.append(slide)
                cpuSeconds += record.cpuSeconds ?? 0
                seconds += record.seconds ?? 0
                bytesRead += record.bytesRead ?? 0
                bytesWritten += record.bytesWritten ?? 0
            case .failed: failed.append((slide, record.error ?? "no error recorded"))
            case .running:
                let lockHeld = DirectoryLock.isHeld(file: locks(slide))
                let pidAlive = record.host == ManifestRecord.hostName && (kill(record.pid, 0) == 0 || errno == EPERM)
                let alive = record.host == ManifestRecord.hostName ? (pidAlive && lockHeld) : lockHeld
                running.append(Running(slide: slide, record: record, alive: alive))
            case .cohort: break
            }
        }
    }

    /// The lock of a slide in a feature cache (`<id>/.hatnet.lock`) or a predict/visualize directory.
    static func defaultLockFile(directory: URL, slide: String) -> URL {
        let cacheLock = directory.appendingPathComponent(slide, isDirectory: true).appendingPathComponent(DirectoryLock.fileName)
        let outputLock = OutputDirectoryLocks.lockFile(in: directory, for: SlideWorkUnit(id: slide, file: directory))
        return FileManager.default.fileExists(atPath: outputLock.path) ? outputLock : cacheLock
    }

    /// Slides a resubmission would run: failed, missing and stale running ones.
    public var remaining: Int { failed.count + missing.count + running.filter { !$0.alive }.count }

    public var report: String {
        let live = running.filter(\.alive), stale = running.filter { !$0.alive }
        var lines = ["\(command ?? "cohort") in \(manifest.deletingLastPathComponent().path): \(total) slide(s) — "
                     + "\(done.count) done, \(live.count) running, \(failed.count) failed, \(missing.count + stale.count) missing"]
        if !done.isEmpty {
            lines.append(String(format: "done: %.1f CPU s, %.1f s wall, %.1f MB read, %.1f MB written in all (%.2f CPU s a slide)",
                                cpuSeconds, seconds, Double(bytesRead) / 1e6, Double(bytesWritten) / 1e6, cpuSeconds / Double(done.count)))
        }
        for entry in live {
            lines.append("running: \(entry.slide) — pid \(entry.record.pid) on \(entry.record.host)"
                         + (entry.record.worker.map { " (\($0))" } ?? "") + " since \(entry.record.started ?? entry.record.time)")
        }
        for entry in stale {
            lines.append("missing: \(entry.slide) — its worker (pid \(entry.record.pid) on \(entry.record.host)"
                         + (entry.record.worker.map { ", \($0)" } ?? "") + ") ended without finishing; the next run takes it over")
        }
        for failure in failed { lines.append("failed: \(failure.slide) — \(failure.error)") }
        if unreadableLines > 0 {
            lines.append("\(unreadableLines) line(s) of \(manifest.path) are not records (torn or edited) and were skipped; "
                         + "the slides they were about count as not done")
        }
        let shown = missing.prefix(20)
        for slide in shown { lines.append("missing: \(slide)") }
        if missing.count > shown.count { lines.append("missing: … and \(missing.count - shown.count) more") }
        return lines.joined(separator: "\n")
    }
}
