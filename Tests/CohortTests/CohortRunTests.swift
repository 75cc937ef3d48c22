import Cohort
import FileOutput
import Foundation
import Testing

/// A task that writes `<id>.out` with the slide id, failing for ids in `failing`.
private struct EchoTask: SlideTask {
    let directory: URL
    var failing: Set<String> = []
    var settings: [String: String] = ["mode": "echo"]
    var command: String { "echo" }
    func lockFile(for unit: SlideWorkUnit) -> URL { directory.appendingPathComponent(".\(unit.id).lock") }
    func claim(_ unit: SlideWorkUnit) throws -> DirectoryLock? { try DirectoryLock.tryAcquire(file: lockFile(for: unit), purpose: "test") }
    func perform(_ unit: SlideWorkUnit) throws -> (files: [URL], note: String) {
        if failing.contains(unit.id) { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: unit.file.path]) }
        let url = directory.appendingPathComponent("\(unit.id).out")
        try AtomicFile.write("\(unit.id)\n", to: url)
        return ([url], "written")
    }
}

@Suite struct CohortRunTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cohort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func units(_ count: Int) -> [SlideWorkUnit] {
        (0..<count).map { SlideWorkUnit(id: "s\($0)", file: URL(fileURLWithPath: "/slides/s\($0).tiff")) }
    }

    @Test func recordsSkipsAndRedoesWhatChanged() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = EchoTask(directory: directory)
        let first = try CohortRun(task: task, units: units(4)).run()
        #expect(first.computed == ["s0", "s1", "s2", "s3"] && first.skipped == 0)
        let manifest = try Manifest(directory: directory)
        #expect(manifest.cohort == ["s0", "s1", "s2", "s3"])
        let record = try #require(manifest.latest["s2"])
        #expect(record.status == .done && record.files?.first?.path == "s2.out" && record.files?.first?.size == 3)
        #expect(record.files?.first?.sha256.count == 64 && record.seconds != nil && record.cpuSeconds != nil)

        let second = try CohortRun(task: task, units: units(4)).run()
        #expect(second.computed.isEmpty && second.skipped == 4)

        // A changed output and changed settings are redone; nothing else.
        try "tampered\n".write(to: directory.appendingPathComponent("s1.out"), atomically: true, encoding: .utf8)
        var events: [String] = []
        let third = try CohortRun(task: task, units: units(4)).run { events.append("\($0)") }
        #expect(third.computed == ["s1"], "\(events)")
        #expect(events.contains { $0.contains("s1: computing again, s1.out changed") })
        var changed = task
        changed.settings = ["mode": "other"]
        #expect(try CohortRun(task: changed, units: units(4)).run().computed.count == 4)
    }

    @Test func keepGoingRecordsFailuresAndARerunRetriesThem() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var task = EchoTask(directory: directory, failing: ["s1"])
        #expect(throws: CocoaError.self) { try CohortRun(task: task, units: units(3)).run() }
        #expect(try Manifest(directory: directory).latest["s2"] == nil, "without --keep-going the run stops at the failure")
        let summary = try CohortRun(task: task, units: units(3), keepGoing: true).run()
        #expect(summary.failures.map(\.slide) == ["s1"] && summary.computed == ["s2"] && summary.skipped == 1)
        let failed = try #require(try Manifest(directory: directory).latest["s1"])
        #expect(failed.status == .failed && failed.error?.isEmpty == false)
        task.failing = []
        #expect(try CohortRun(task: task, units: units(3)).run().computed == ["s1"])
    }

    @Test func takesOverStaleRunningEntriesAndLeavesHeldSlides() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = EchoTask(directory: directory)
        let manifest = try Manifest(directory: directory)
        // A worker that died on s0 (no lock held), and a live one holding s1.
        try manifest.append(ManifestRecord(status: .running, command: "echo", slide: "s0", host: "node7", pid: 999_999, started: Date()))
        let held = try #require(try task.claim(SlideWorkUnit(id: "s1", file: URL(fileURLWithPath: "/s1"))))
        var events: [String] = []
        let summary = try CohortRun(task: task, units: units(2)).run { events.append("\($0)") }
        #expect(summary.computed == ["s0"] && summary.busy == ["s1"], "\(events)")
        #expect(events.contains { $0.contains("s0: taking over from pid 999999 on node7") })
        held.release()
        #expect(try CohortRun(task: task, units: units(2)).run().computed == ["s1"])
        let status = try CohortStatus(directory: directory) { task.lockFile(for: SlideWorkUnit(id: $0, file: directory)) }
        #expect(status.done.count == 2 && status.missing.isEmpty && status.failed.isEmpty)
    }

    @Test func statusTellsLiveFromStaleAndCountsMissing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manifest = try Manifest(directory: directory)
        var cohort = ManifestRecord(status: .cohort, command: "echo")
        cohort.slides = ["a", "b", "c", "d"]
        try manifest.append(cohort)
        try manifest.append(ManifestRecord(status: .running, command: "echo", slide: "a", pid: 999_999, started: Date()))
        try manifest.append(ManifestRecord(status: .running, command: "echo", slide: "b", started: Date()))
        var failed = ManifestRecord(status: .failed, command: "echo", slide: "c")
        failed.error = "cannot read c.tiff"
        try manifest.append(failed)
        // A torn line (a crash mid-write) is skipped.
        let handle = try FileHandle(forWritingTo: manifest.url)
        handle.seekToEndOfFile()
        handle.write(Data("{\"status\":\"do".utf8))
        try handle.close()
        let lockB = directory.appendingPathComponent("b.lock")
        let held = try #require(try DirectoryLock.tryAcquire(file: lockB, purpose: "test"))
        defer { held.release() }
        let status = try CohortStatus(directory: directory) { directory.appendingPathComponent("\($0).lock") }
        #expect(status.running.map { "\($0.slide) \($0.alive)" }.sorted() == ["a false", "b true"])
        #expect(status.failed.map(\.slide) == ["c"] && status.missing == ["d"] && status.remaining == 3)
        #expect(status.report.contains("4 slide(s) — 0 done, 1 running, 1 failed, 2 missing"), "\(status.report)")
    }
}
