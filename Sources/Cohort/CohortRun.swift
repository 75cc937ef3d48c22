import FileOutput
import Foundation

/// Runs a ``SlideTask`` over a cohort's slides as one of possibly many workers on possibly many
/// machines, with no server: the slides are taken in this worker's ``Shard`` order, each one is
/// claimed through its lock, and every start, finish and failure is appended to the ``Manifest``.
///
/// - A slide whose last record is `done`, made with the same settings, whose every recorded file
///   still has its recorded size and SHA-256, is skipped.
/// - A slide another live process holds (its lock is taken) is left to it.
/// - A slide whose last record says `running` but whose lock this worker could take was being
///   worked on by a process that died (a cancelled or killed task, a lost node): it is taken over.
/// - A failed slide is recorded with its error; with `keepGoing` the worker goes on and reports
///   all failures at the end, otherwise it stops at the first.
public struct CohortRun {
    public let task: any SlideTask
    public let units: [SlideWorkUnit]
    public let shard: Shard?
    public let keepGoing: Bool
    /// Names the worker in the manifest (SLURM job and task, or the shard).
    public let worker: String?

    public init(task: any SlideTask, units: [SlideWorkUnit], shard: Shard? = nil, keepGoing: Bool = false, worker: String? = nil) {
        self.task = task
        self.units = units
        self.shard = shard
        self.keepGoing = keepGoing
        self.worker = worker ?? Self.workerName(shard: shard)
    }

    /// `slurm <job>_<task>` inside a SLURM job, `shard K/N` with a shard, else `nil`.
    public static func workerName(shard: Shard?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let job = environment["SLURM_ARRAY_JOB_ID"], let index = environment["SLURM_ARRAY_TASK_ID"] { return "slurm \(job)_\(index)" }
        if let job = environment["SLURM_JOB_ID"] { return "slurm \(job)" }
        return shard.map { "shard \($0)" }
    }

    /// What happened to a slide, as it happens.
    public enum Event: Sendable, CustomStringConvertible {
        case skipped(slide: String)
        case busy(slide: String, holder: String)
        case takingOver(slide: String, from: String)
        case redoing(slide: String, reason: String)
        case started(slide: String)
        case finished(slide: String, seconds: Double, note: String)
        case failed(slide: String, error: String)

        public var description: String {
            switch self {
            case let .skipped(slide): return "\(slide): done already"
            case let .busy(slide, holder): return "\(slide): another process is on it (\(holder))"
            case let .takingOver(slide, from): return "\(slide): taking over from \(from), which no longer holds its lock"
            case let .redoing(slide, reason): return "\(slide): computing again, \(reason)"
            case let .started(slide): return "\(slide): started"
            case let .finished(slide, seconds, note): return "\(slide): done in \(String(format: "%.1f", seconds)) s (\(note))"
            case let .failed(slide, error): return "\(slide): FAILED: \(error)"
            }
        }
    }

    /// What one worker did.
    public struct Summary: Sendable {
        public var total = 0
        public var computed: [String] = []
        public var skipped = 0
        public var busy: [String] = []
        public var failures: [(slide: String, error: String)] = []
        public var manifest: URL

        public var description: String {
            var text = "\(total) slide(s): \(computed.count) computed, \(skipped) done already"
            if !busy.isEmpty { text += ", \(busy.count) left to other processes" }
            if !failures.isEmpty {
                text += ", \(failures.count) FAILED:"
                for failure in failures { text += "\n  \(failure.slide): \(failure.error)" }
            }
            return text
        }
    }

    /// Works through the slides; returns what this worker did.
    /// - Throws: the first slide's error without `keepGoing` (after recording it); manifest and
    ///   lock errors always. With `keepGoing`, failures are in the summary.
    public func run(events: (Event) -> Void = { _ in }) throws -> Summary {
        let directory = task.directory
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw CohortError.file(path: directory.path, reason: "cannot create the output directory (\(error.localizedDescription))")
        }
        let manifest = try Manifest(directory: directory)
        let ids = units.map(\.id)
        if manifest.cohort != ids {
            var record = ManifestRecord(status: .cohort, command: task.command, worker: worker)
            record.slides = ids
            try manifest.append(record)
        }
        var summary = Summary(manifest: manifest.url)
        summary.total = units.count
        let ordered = shard.map { $0.order(units) } ?? units
        // Each done slide's files are hashed by one worker a run (its shard's); the others check sizes.
        let own = Set(shard.map { shard in units.indices.filter { $0 % shard.count == shard.index }.map { units[$0].id } } ?? ids)
        for unit in ordered {
            try manifest.refresh()
            if verifiedDone(unit, manifest, deep: own.contains(unit.id)) == nil {
                summary.skipped += 1
                events(.skipped(slide: unit.id))
                continue
            }
            guard let lock = try task.claim(unit) else {
                summary.busy.append(unit.id)
                events(.busy(slide: unit.id, holder: DirectoryLock.holder(of: task.lockFile(for: unit))))
                continue
            }
            defer { lock.release() }
            // Another worker may have finished it between the first look and the lock.
            try manifest.refresh()
            let problem = verifiedDone(unit, manifest, deep: true)
            guard let problem else {
                summary.skipped += 1
                events(.skipped(slide: unit.id))
                continue
            }
            if let last = manifest.latest[unit.id] {
                if last.status == .running, !(last.host == ManifestRecord.hostName && last.pid == getpid()) {
                    events(.takingOver(slide: unit.id, from: "pid \(last.pid) on \(last.host)"
                                       + (last.worker.map { " (\($0))" } ?? "") + " since \(last.started ?? last.time)"))
                } else if last.status == .done {
                    events(.redoing(slide: unit.id, reason: problem))
                }
            }
            do {
                try work(on: unit, manifest: manifest, summary: &summary, events: events)
            } catch let error as CohortError {
                throw error
            } catch {
                if !keepGoing { throw error }
            }
        }
        return summary
    }

    /// Runs one claimed slide and records it.
    private func work(on unit: SlideWorkUnit, manifest: Manifest, summary: inout Summary, events: (Event) -> Void) throws {
        let before = ResourceSnapshot.now()
        try manifest.append(ManifestRecord(status: .running, command: task.command, slide: unit.id, started: before.wall, worker: worker))
        events(.started(slide: unit.id))
        do {
            let (files, note) = try task.perform(unit)
            Self.testDelay()
            let after = ResourceSnapshot.now()
            var record = ManifestRecord(status: .done, command: task.command, slide: unit.id, time: after.wall, started: before.wall, worker: worker)
            record.settings = task.settings
            record.files = try files.map { url in
                let (size, hex) = try FileHash.sha256(of: url)
                return ManifestRecord.OutputFile(path: relativePath(url), size: size, sha256: hex)
            }
            record.seconds = after.wall.timeIntervalSince(before.wall)
            record.cpuSeconds = after.cpuSeconds - before.cpuSeconds
            record.bytesRead = after.bytesRead - before.bytesRead
            record.bytesWritten = record.files?.reduce(0) { $0 + $1.size }
            record.note = note
            try manifest.append(record)
            summary.computed.append(unit.id)
            events(.finished(slide: unit.id, seconds: record.seconds ?? 0, note: note))
        } catch let error as CohortError {
            throw error
        } catch {
            let message = "\(error)"
            var record = ManifestRecord(status: .failed, command: task.command, slide: unit.id, started: before.wall, worker: worker)
            record.settings = task.settings
            record.seconds = Date().timeIntervalSince(before.wall)
            record.error = message
            try manifest.append(record)
            summary.failures.append((unit.id, message))
            events(.failed(slide: unit.id, error: message))
            throw error
        }
    }

    /// A test hook: `HATNET_COHORT_TEST_DELAY` seconds (at most 60) slept after each slide's work and
    /// before it is recorded as done, so the cluster tests can cancel a task while it works.
    private static func testDelay() {
        guard let text = ProcessInfo.processInfo.environment["HATNET_COHORT_TEST_DELAY"], let seconds = Double(text),
              seconds.isFinite, seconds > 0 else { return }
        Thread.sleep(forTimeInterval: min(seconds, 60))
    }

    /// `nil` when the slide is done and its outputs are intact; otherwise why it must be (re)done.
    func verifiedDone(_ unit: SlideWorkUnit, _ manifest: Manifest, deep: Bool) -> String? {
        Self.verify(manifest.latest[unit.id], settings: task.settings, directory: task.directory, hashing: deep)
    }

    /// `nil` when `record` is a `done` record made under `settings` whose every file in
    /// `directory` still has its recorded size and (with `hashing`) SHA-256; otherwise the reason
    /// it is not. Without `hashing` only the sizes are checked (`stat`), for slides of other shards.
    public static func verify(_ record: ManifestRecord?, settings: [String: String], directory: URL, hashing: Bool = true) -> String? {
        guard let record else { return "not started" }
        guard record.status == .done else { return record.status.rawValue }
        // Every done record this code writes has both; one without is not evidence of anything.
        guard record.settings != nil else { return "its done record names no settings" }
        guard let files = record.files, !files.isEmpty else { return "its done record names no output files" }
        if let recorded = record.settings, recorded != settings {
            let changed = Set(recorded.keys).union(settings.keys).sorted().filter { recorded[$0] != settings[$0] }
            return "it was done with other settings (" + changed.map { "\($0) \(recorded[$0] ?? "unset") then, \(settings[$0] ?? "unset") now" }
                .joined(separator: "; ") + ")"
        }
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            // Only regular files are read back (a FIFO or device put there would block or never end).
            var info = stat()
            guard lstat(url.path, &info) == 0 else { return "\(file.path) is missing" }
            guard (info.st_mode & S_IFMT) == S_IFREG else { return "\(file.path) is not a regular file" }
            if !hashing {
                let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
                guard let size else { return "\(file.path) is missing" }
                guard size == file.size else { return "\(file.path) changed since it was written" }
                continue
            }
            guard let (size, hex) = try? FileHash.sha256(of: url) else { return "\(file.path) is missing" }
            guard size == file.size, hex == file.sha256 else { return "\(file.path) changed since it was written" }
        }
        return nil
    }

    /// `url` relative to the task's directory (outputs are always inside it).
    private func relativePath(_ url: URL) -> String {
        let base = task.directory.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}
