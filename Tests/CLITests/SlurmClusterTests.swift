import Foundation
import Testing
import TestSupport

/// `hatnet slurm features` on a real single-node SLURM cluster (munged, slurmctld and slurmd on
/// localhost, started as root by scripts/local-slurm.sh and always stopped again): a 3-task array
/// gives the same cache as one process, and an array cancelled mid-way (`scancel`) completes when
/// resubmitted, computing only the slides that were missing.
@Suite(.serialized) struct SlurmClusterTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let script = root.appendingPathComponent("scripts/local-slurm.sh").path

    /// Runs a program with `environment` added; returns status and output.
    private static func shell(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 600) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        // Output goes to files, not pipes: nothing here depends on every holder of a pipe closing it.
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-test-\(UUID().uuidString).out")
        let errorFile = outputFile.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Reaped here with waitpid: Foundation's own reaping was seen to leave the script a zombie
        // (isRunning stayed true) once it had started daemons.
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0, exitStatus: Int32 = -1
        while true {
            let reaped = waitpid(process.processIdentifier, &status, WNOHANG)
            if reaped == process.processIdentifier {
                exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                break
            }
            if reaped < 0 { exitStatus = process.isRunning ? -1 : process.terminationStatus; break }
            if Date() > deadline { kill(process.processIdentifier, SIGTERM); exitStatus = -1; break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let stdout = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return (exitStatus, stdout, stderr)
    }

    private static func logs(_ state: URL) -> String {
        (try? shell(["bash", script, "logs", state.path]).stdout) ?? "(no logs)"
    }

    @Test func arrayJobsMatchOneProcessAndResumeAfterCancel() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        let state = dir.appendingPathComponent("slurm-state")
        let started = try Self.shell(["bash", Self.script, "start", state.path], timeout: 900)
        defer {
            let stopped = try? Self.shell(["bash", Self.script, "stop", state.path])
            if stopped?.status != 0 { Issue.record("local-slurm.sh stop failed: \(stopped?.stderr ?? "did not run")") }
        }
        try #require(started.status == 0, "the local SLURM cluster did not start (exit \(started.status)): \(started.stderr)\n\(Self.logs(state))")
        let slurm = ["SLURM_CONF": state.appendingPathComponent("slurm.conf").path]
        func hatnet(_ arguments: [String], environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws
            -> CommandLineHarness.Outcome {
            let outcome = try CommandLineHarness.run(arguments, in: dir, timeout: 900, environment: slurm.merging(environment) { $1 })
            if outcome.status != 0 || outcome.timedOut {
                let message = "hatnet \(arguments.prefix(6).joined(separator: " ")) … failed (\(outcome.status)): \(outcome.stderr.suffix(1500))\n"
                    + "stdout: \(outcome.stdout.suffix(2000))\n\(Self.logs(state))\n\(taskLogs())"
                Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            }
            return outcome
        }
        func taskLogs() -> String {
            let logDirectories = ["array", "resumed"].compactMap { try? CohortFixture.cacheDirectory(dir.appendingPathComponent($0)) }
                .map { $0.appendingPathComponent("hatnet-slurm/logs") }
            return logDirectories.flatMap { logs in
                ((try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []).sorted().map { name in
                    "----- \(name) -----\n" + ((try? String(contentsOf: logs.appendingPathComponent(name), encoding: .utf8))?.suffix(1500) ?? "")
                }
            }.joined(separator: "\n")
        }
        let submit = ["slurm", "features", "--array", "3", "--cpus-per-task", "1", "--time", "0:20:00", "--poll-interval", "1",
                      "--hatnet", CommandLineHarness.binary.path]

        try CohortFixture.synthesize(in: dir, perClass: 2)
        _ = try CohortFixture.hatnet(CohortFixture.features(into: "single"), in: dir)
        let single = try CohortFixture.cacheFiles(dir.appendingPathComponent("single"))

        // 1. A 3-task array, followed to its end, gives the single-process cache byte for byte.
        let array = try hatnet(submit + ["--wait"] + CohortFixture.features(into: "array").dropFirst())
        for task in 0..<3 { #expect(array.stdout.contains("task \(task): ") , "no state of task \(task): \(array.stdout)") }
        #expect(array.stdout.contains("8 slide(s) — 8 done, 0 running, 0 failed, 0 missing"), "\(array.stdout)")
        CohortFixture.expectSameCache(single, try CohortFixture.cacheFiles(dir.appendingPathComponent("array")))

        // 2. An array cancelled while its tasks work (each slide held 3 s before it is recorded done).
        let first = try hatnet(submit + CohortFixture.features(into: "resumed").dropFirst(), environment: ["HATNET_COHORT_TEST_DELAY": "3"])
        let job = try #require(first.stdout.split(separator: "\n").first { $0.hasPrefix("submitted job ") }
            .flatMap { $0.dropFirst("submitted job ".count).split(separator: ":").first.map(String.init) }, "no job id in \(first.stdout)")
        let cache = try CohortFixture.cacheDirectory(dir.appendingPathComponent("resumed"))
        let deadline = Date().addingTimeInterval(600)
        func doneSlides() -> [String] {
            ((try? CohortFixture.manifestRecords(cache)) ?? []).filter { $0["status"] as? String == "done" }.compactMap { $0["slide"] as? String }
        }
        while doneSlides().isEmpty {
            try #require(Date() < deadline, "no slide was done within 600 s\n\(Self.logs(state))\n\(taskLogs())")
            Thread.sleep(forTimeInterval: 0.2)
        }
        let cancelled = try Self.shell(["scancel", job], environment: slurm)
        try #require(cancelled.status == 0, "scancel \(job) failed: \(cancelled.stderr)")
        while true {
            let queue = try Self.shell(["squeue", "--noheader", "--array", "--jobs=\(job)", "--format=%T"], environment: slurm)
            let live = queue.stdout.split(separator: "\n").filter { ["RUNNING", "PENDING", "COMPLETING", "CONFIGURING"].contains($0) }
            if live.isEmpty { break }
            try #require(Date() < deadline, "job \(job) did not end after scancel: \(queue.stdout)")
            Thread.sleep(forTimeInterval: 0.5)
        }
        let doneBefore = Set(doneSlides())
        let filesBefore = CommandLineHarness.snapshot(of: cache).filter { $0.key.hasSuffix(".safetensors") }
        let modified = Dictionary(uniqueKeysWithValues: filesBefore.keys.map { path in
            (path, (try? FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent(path).path)[.modificationDate]) as? Date)
        })
        #expect(doneBefore.count < 8, "every slide was done before the cancel landed; nothing to resume: \(doneBefore.sorted())")
        let statusAfterCancel = try hatnet(["slurm", "status", "resumed"])
        #expect(statusAfterCancel.stdout.contains("\(doneBefore.count) done"), "\(statusAfterCancel.stdout)")

        // 3. Resubmitted, only the missing slides are computed and the cache is complete.
        let resumed = try hatnet(submit + ["--wait"] + CohortFixture.features(into: "resumed").dropFirst())
        #expect(resumed.stdout.contains("\(8 - doneBefore.count) of 8 slide(s) are missing or failed"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("8 slide(s) — 8 done, 0 running, 0 failed, 0 missing"), "\(resumed.stdout)")
        let records = try CohortFixture.manifestRecords(cache)
        for slide in doneBefore {
            let done = records.filter { $0["slide"] as? String == slide && $0["status"] as? String == "done" }
            #expect(done.count == 1, "\(slide) was done before the cancel and recorded done \(done.count) times")
        }
        for (path, date) in modified {
            let now = (try? FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent(path).path)[.modificationDate]) as? Date
            #expect(now == date, "\(path), written before the cancel, was written again")
        }
        let computedAgain = records.filter { record in
            record["status"] as? String == "done" && (record["note"] as? String)?.hasPrefix("0 file(s) computed") == false
        }.compactMap { $0["slide"] as? String }
        #expect(Set(computedAgain).count == computedAgain.count, "a slide was computed twice: \(computedAgain.sorted())")
        CohortFixture.expectSameCache(single, try CohortFixture.cacheFiles(dir.appendingPathComponent("resumed")))
    }
}
