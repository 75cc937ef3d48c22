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

    @Test func aRecordAfterATornLineStartsALineOfItsOwn() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try Manifest(directory: directory)
        try writer.append(ManifestRecord(status: .running, command: "echo", slide: "a", started: Date()))
        // A writer killed mid-line (NFS can tear a write); the next record must not be glued to it.
        let handle = try FileHandle(forWritingTo: writer.url)
        handle.seekToEndOfFile()
        handle.write(Data("{\"status\":\"done\",\"comm".utf8))
        try handle.close()
        let reader = try Manifest(directory: directory)
        #expect(reader.latest["a"]?.status == .running && reader.unreadableLines == 0, "a torn last line is pending, not yet counted")
        try writer.append(ManifestRecord(status: .failed, command: "echo", slide: "a"))
        try reader.refresh()
        #expect(reader.latest["a"]?.status == .failed && reader.unreadableLines == 1)
        let fresh = try Manifest(directory: directory)
        #expect(fresh.latest["a"]?.status == .failed && fresh.unreadableLines == 1 && fresh.history["a"]?.count == 2)
    }

    @Test func overLongAndCraftedLinesAreSkippedWithBoundedMemory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(Manifest.fileName)
        // 40 MB without a newline, then a good record: the reader drops the long line as it reads.
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        let chunk = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<40 { handle.write(chunk) }
        handle.write(Data("\n".utf8))
        try handle.close()
        let manifest = try Manifest(directory: directory)
        #expect(manifest.unreadableLines == 1 && manifest.latest.isEmpty)
        var good = ManifestRecord(status: .done, command: "echo", slide: "ok")
        good.settings = ["mode": "echo"]
        good.files = [.init(path: "ok.out", size: 3, sha256: String(repeating: "0", count: 64))]
        try manifest.append(good)
        // Crafted done records: outside the directory, absolute, a bad hash, a negative size, NaN seconds.
        for file in [ManifestRecord.OutputFile(path: "../x", size: 1, sha256: String(repeating: "0", count: 64)),
                     .init(path: "/etc/passwd", size: 1, sha256: String(repeating: "0", count: 64)),
                     .init(path: "a//b", size: 1, sha256: String(repeating: "0", count: 64)),
                     .init(path: "x", size: 1, sha256: "zz"),
                     .init(path: "x", size: -1, sha256: String(repeating: "0", count: 64))] {
            var crafted = good
            crafted.slide = "ok"
            crafted.files = [file]
            try manifest.append(crafted)
        }
        for id in ["../../etc", "a/b", ".", ""] {
            var crafted = good
            crafted.slide = id
            try manifest.append(crafted)
        }
        var nan = good
        nan.seconds = .nan
        // JSONEncoder refuses NaN itself; the line is written by hand as a crafted file would have it.
        #expect(throws: (any Error).self) { try manifest.append(nan) }
        let text = try String(contentsOf: url, encoding: .utf8)
        try (text + "{\"status\":\"done\",\"command\":\"echo\",\"slide\":\"ok\",\"host\":\"h\",\"pid\":1,\"time\":\"t\",\"seconds\":-1}\n")
            .write(to: url, atomically: false, encoding: .utf8)
        let reread = try Manifest(directory: directory)
        #expect(reread.unreadableLines == 11, "\(reread.unreadableLines)")
        #expect(reread.latest["ok"] == good && reread.latest.count == 1)
        // A done record with no settings or no files proves nothing.
        #expect(CohortRun.verify(good, settings: ["mode": "echo"], directory: directory) == "ok.out is missing")
        var bare = good
        bare.settings = nil
        #expect(CohortRun.verify(bare, settings: ["mode": "echo"], directory: directory) == "its done record names no settings")
        bare = good
        bare.files = []
        #expect(CohortRun.verify(bare, settings: ["mode": "echo"], directory: directory) == "its done record names no output files")
    }
}
