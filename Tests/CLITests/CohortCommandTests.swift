import Foundation
import Testing
import TestSupport

/// Shared helpers of the cohort tests: a small synthetic cohort and the cache files to compare.
enum CohortFixture {
    static let weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference/encoder_mobilenetv2_w0.5.safetensors").path
    static let encoder = ["--encoder", "mobilenetv2", "--scale", "0.5", "--weights", weights]
    static let grid = ["--bag-size", "64", "--word-size", "32", "--scale-multipliers", "0"]

    /// `hatnet features` arguments over the cohort in `cohort/` into `featuresDir`.
    static func features(into featuresDir: String) -> [String] {
        ["features", "cohort/train.txt", "cohort/test.txt", "--img-dir", "cohort", "--img-extn", "tiff",
         "--features-dir", featuresDir] + grid + encoder
    }

    static func hatnet(_ arguments: [String], in directory: URL, timeout: TimeInterval = 600, environment: [String: String] = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandLineHarness.Outcome {
        let outcome = try CommandLineHarness.run(arguments, in: directory, timeout: timeout, environment: environment)
        #expect(outcome.status == 0 && !outcome.endedBySignal && !outcome.timedOut,
                "hatnet \(arguments.joined(separator: " ")) failed (\(outcome.status)): \(outcome.stderr.suffix(1500))\nstdout: \(outcome.stdout.suffix(1500))",
                sourceLocation: sourceLocation)
        return outcome
    }

    /// Runs `count` workers at once, worker K (of N) with `arguments("K/N")`; expects each to succeed.
    static func shards(_ count: Int, in directory: URL, sourceLocation: SourceLocation = #_sourceLocation,
                       _ arguments: @escaping @Sendable (String) -> [String]) throws -> [CommandLineHarness.Outcome] {
        let group = DispatchGroup(), outcomes = OutcomeBox()
        for k in 1...count {
            group.enter()
            DispatchQueue.global().async {
                outcomes.set(k, try? CommandLineHarness.run(arguments("\(k)/\(count)"), in: directory, timeout: 600))
                group.leave()
            }
        }
        group.wait()
        return try (1...count).map { k in
            let outcome = try #require(outcomes.get(k), "worker \(k)/\(count) did not run", sourceLocation: sourceLocation)
            #expect(outcome.status == 0 && !outcome.endedBySignal, "worker \(k)/\(count) failed: \(outcome.stderr.suffix(1000))",
                    sourceLocation: sourceLocation)
            return outcome
        }
    }

    /// Synthesizes `perClass` slides a class (512×384) into `directory/cohort`; with 2 a class,
    /// train.txt and test.txt list four slides each and val.txt none.
    static func synthesize(in directory: URL, perClass: Int) throws {
        _ = try hatnet(["synth", "--out", "cohort", "--count-per-class", "\(perClass)", "--size", "512x384", "--seed", "11"], in: directory)
    }

    /// The only cache key directory under `root`.
    static func cacheDirectory(_ root: URL) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
        let name = try #require(names.count == 1 ? names.first : nil, "expected one cache directory in \(root.path), found \(names)")
        return root.appendingPathComponent(name)
    }

    /// The cache's content: every file except the manifest, locks and the SLURM script directory.
    static func cacheFiles(_ root: URL) throws -> [String: Data] {
        CommandLineHarness.snapshot(of: try cacheDirectory(root)).filter { path, _ in
            !path.hasSuffix(".hatnet.lock") && path != "manifest.jsonl" && !path.hasPrefix("hatnet-slurm/")
        }
    }

    static func manifestRecords(_ cache: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: cache.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func expectSameCache(_ expected: [String: Data], _ actual: [String: Data], sourceLocation: SourceLocation = #_sourceLocation) {
        let onlySingle = Set(expected.keys).subtracting(actual.keys).sorted(), onlyWorkers = Set(actual.keys).subtracting(expected.keys).sorted()
        #expect(onlySingle.isEmpty && onlyWorkers.isEmpty, "files differ: only single \(onlySingle), only workers \(onlyWorkers)",
                sourceLocation: sourceLocation)
        for (path, data) in expected where actual[path] != nil {
            #expect(actual[path] == data, "\(path) differs from the single-process run", sourceLocation: sourceLocation)
        }
        #expect(expected.keys.contains { $0.hasSuffix(".safetensors") }, "no features were written", sourceLocation: sourceLocation)
    }
}

/// Sharded and resumable cohort commands on one machine, without SLURM.
@Suite(.serialized) struct CohortCommandTests {
    @Test func threeConcurrentShardsGiveTheSingleProcessCache() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        try CohortFixture.synthesize(in: dir, perClass: 2)
        _ = try CohortFixture.hatnet(CohortFixture.features(into: "single"), in: dir)

        // Three workers at once, each starting with its third and then helping with the rest.
        let outcomes = try CohortFixture.shards(3, in: dir) { CohortFixture.features(into: "sharded") + ["--shard", $0] }
        for (k, outcome) in outcomes.enumerated() {
            #expect(outcome.stdout.contains("features: shard \(k + 1)/3"), "\(outcome.stdout)")
        }
        CohortFixture.expectSameCache(try CohortFixture.cacheFiles(dir.appendingPathComponent("single")),
                                      try CohortFixture.cacheFiles(dir.appendingPathComponent("sharded")))
        // Every slide computed exactly once over the three workers.
        let records = try CohortFixture.manifestRecords(try CohortFixture.cacheDirectory(dir.appendingPathComponent("sharded")))
        let done = records.filter { $0["status"] as? String == "done" }.compactMap { $0["slide"] as? String }
        #expect(done.count == 8 && Set(done).count == 8, "done records: \(done.sorted())")

        let status = try CohortFixture.hatnet(["slurm", "status", "sharded"], in: dir)
        #expect(status.stdout.contains("8 slide(s) — 8 done, 0 running, 0 failed, 0 missing"), "\(status.stdout)")
        // A re-run opens no slide.
        let again = try CohortFixture.hatnet(CohortFixture.features(into: "sharded"), in: dir)
        #expect(again.stdout.contains("0 computed, 8 done already"), "\(again.stdout)")
    }

    @Test func keepGoingRecordsABadSlideAndARerunComputesOnlyIt() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        try CohortFixture.synthesize(in: dir, perClass: 2)
        let test = try String(contentsOf: directory.file("cohort/test.txt"), encoding: .utf8)
        let broken = try #require(test.split(separator: "\n").first?.split(separator: ",").first.map(String.init))
        let slide = directory.file("cohort/\(broken).tiff")
        let original = try Data(contentsOf: slide)
        try Data(original.prefix(200)).write(to: slide)

        let failed = try CommandLineHarness.run(CohortFixture.features(into: "features") + ["--keep-going"], in: dir, timeout: 600)
        #expect(failed.status == 1 && !failed.endedBySignal, "\(failed.stderr)")
        #expect(failed.stdout.contains("1 FAILED") && failed.stdout.contains(broken), "\(failed.stdout)")
        #expect(failed.stderr.contains("1 of 8 slide(s) failed"), "\(failed.stderr)")
        let status = try CohortFixture.hatnet(["slurm", "status", "features"], in: dir)
        #expect(status.stdout.contains("7 done, 0 running, 1 failed") && status.stdout.contains("failed: \(broken)"), "\(status.stdout)")

        try original.write(to: slide)
        let fixed = try CohortFixture.hatnet(CohortFixture.features(into: "features"), in: dir)
        #expect(fixed.stdout.contains("1 computed, 7 done already"), "\(fixed.stdout)")
    }

    /// `predict` and `visualize` as cohort runs: two workers sharing one output directory give the
    /// single process's files byte for byte, a re-run computes nothing, and other settings redo all.
    @Test func predictAndVisualizeWorkersShareOneOutputDirectory() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        try CohortFixture.synthesize(in: dir, perClass: 2)
        let features = try CohortFixture.hatnet(CohortFixture.features(into: "features"), in: dir)
        let cache = try #require(features.stdout.split(separator: "\n").first { $0.hasPrefix("cache ") }.map { String($0.dropFirst(6)) })
        _ = try CohortFixture.hatnet(["train", "--features", cache, "--train-file", "cohort/train.txt", "--val-file", "cohort/test.txt",
                                      "--scale-multipliers", "0", "--epochs", "2", "--out-features", "16", "--attn-heads", "2",
                                      "--savedir", "run", "--bag-size", "64", "--word-size", "32"], in: dir)
        let slides = try FileManager.default.contentsOfDirectory(atPath: directory.file("cohort").path)
            .filter { $0.hasSuffix(".tiff") }.sorted().map { "cohort/\($0)" }
        #expect(slides.count == 8)
        let predict = ["predict"] + slides + ["--model", "run", "--top-bags", "3"] + CohortFixture.encoder
        func outputs(_ name: String) -> [String: Data] {
            CommandLineHarness.snapshot(of: directory.file(name)).filter { path, _ in
                path != "manifest.jsonl" && !path.hasPrefix(".hatnet-locks/")
            }
        }

        _ = try CohortFixture.hatnet(predict + ["--output", "single"], in: dir)
        _ = try CohortFixture.shards(2, in: dir) { predict + ["--output", "sharded", "--shard", $0] }
        let single = outputs("single")
        #expect(single.count == 8 && single.keys.allSatisfy { $0.hasSuffix(".json") }, "\(single.keys.sorted())")
        #expect(outputs("sharded") == single, "the two predict workers' files differ from one process's")
        let again = try CohortFixture.hatnet(predict + ["--output", "sharded"], in: dir)
        #expect(again.stdout.contains("0 computed, 8 done already"), "\(again.stdout)")
        let other = try CohortFixture.hatnet(predict.map { $0 == "3" ? "2" : $0 } + ["--output", "sharded"], in: dir)
        #expect(other.stdout.contains("8 computed, 0 done already"), "other --top-bags must redo every slide: \(other.stdout)")
        #expect(other.stderr.contains("top_bags 3 then, 2 now"), "\(other.stderr)")

        // visualize over three slides: one directory each, annotations found by their suffix.
        let visualize = ["visualize"] + slides.prefix(3) + ["--model", "run", "--out", "figures", "--annotations-suffix", ".geojson"]
            + CohortFixture.encoder
        let drawn = try CohortFixture.hatnet(visualize, in: dir)
        #expect(drawn.stdout.contains("3 computed, 0 done already"), "\(drawn.stdout)")
        for slide in slides.prefix(3) {
            let name = URL(fileURLWithPath: slide).deletingPathExtension().lastPathComponent
            for file in ["attention.json", "top_bags.png", "word_heatmap.png"] {
                #expect(FileManager.default.fileExists(atPath: directory.file("figures/\(name)/\(file)").path), "no \(name)/\(file)")
            }
            #expect(drawn.stdout.contains("\(name): ") && drawn.stdout.contains("bags"), "no coverage for \(name): \(drawn.stdout)")
        }
        let figures = outputs("figures")
        let redrawn = try CohortFixture.hatnet(visualize, in: dir)
        #expect(redrawn.stdout.contains("0 computed, 3 done already"), "\(redrawn.stdout)")
        #expect(outputs("figures") == figures)
        let status = try CohortFixture.hatnet(["slurm", "status", "figures"], in: dir)
        #expect(status.stdout.contains("visualize in") && status.stdout.contains("3 slide(s) — 3 done"), "\(status.stdout)")
    }

    @Test func hostileCohortAndSlurmOptionsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        _ = try directory.write("slide_1,0\n", to: "split.txt")
        let features = ["features", "split.txt", "--img-dir", "."]
        let cases: [([String], [String])] = [
            (features + ["--shard", "0/3"], ["--shard"]),
            (features + ["--shard", "4/3"], ["--shard"]),
            (features + ["--shard", "one/three"], ["--shard"]),
            (["slurm", "features", "--array", "0"] + features.dropFirst(), ["--array"]),
            (["slurm", "features", "--array", "-3"] + features.dropFirst(), ["--array"]),
            (["slurm", "features", "--array", "3", "--time", "25:99:99"] + features.dropFirst(), ["--time"]),
            (["slurm", "features", "--array", "3", "--mem", "-5G"] + features.dropFirst(), ["--mem"]),
            (["slurm", "features", "--array", "3", "--mem", "lots"] + features.dropFirst(), ["--mem"]),
            (["slurm", "features", "--array", "3", "--partition", "a;rm -rf /"] + features.dropFirst(), ["--partition"]),
            (["slurm", "features", "--array", "3", "--cpus-per-task", "0"] + features.dropFirst(), ["--cpus-per-task"]),
            (["slurm", "features", "--array", "3", "--setup", "a\nb"] + features.dropFirst(), ["--setup"]),
            (["slurm", "features", "--array", "3", "--sbatch=--array=0-9"] + features.dropFirst(), ["--sbatch"]),
            (["slurm", "features", "--array", "3", "--poll-interval", "nan"] + features.dropFirst(), ["--poll-interval"]),
            (["slurm", "features", "--array", "3", "--hatnet", "/nonexistent/hatnet"] + features.dropFirst(), ["--hatnet"]),
            (["slurm", "features", "--array", "3", "split.txt", "--img-dir", ".", "--batch", "0"], ["--batch"]),
            (["slurm", "predict", "--array", "3", "--model", "run"], ["SLIDE"]),
            (["slurm", "status", "nowhere"], ["nowhere"]),
            // Shards: zero, reversed, negative, huge, malformed.
            (features + ["--shard", "0/0"], ["--shard"]),
            (features + ["--shard", "3/2"], ["--shard"]),
            (features + ["--shard", "-1/3"], ["--shard"]),
            (features + ["--shard", "1/-3"], ["--shard"]),
            (features + ["--shard", "1/99999999999999999999"], ["--shard"]),
            (features + ["--shard", "2000000/2000000"], ["--shard"]),
            (features + ["--shard", "1/3/5"], ["--shard"]),
            (features + ["--shard", ""], ["--shard"]),
            (features + ["--shard", "１/３"], ["--shard"]),
            (["visualize", "a.tiff", "--model", "run", "--shard", "0/0"], ["--shard"]),
            (["predict", "a.tiff", "--model", "run", "--shard", "5/2"], ["--shard"]),
            // Arrays: zero, above the limit, beyond Int, not a number.
            (["slurm", "features", "--array", "100001"] + features.dropFirst(), ["--array"]),
            (["slurm", "features", "--array", "99999999999999999999"] + features.dropFirst(), ["--array"]),
            (["slurm", "features", "--array", "three"] + features.dropFirst(), ["--array"]),
            (["slurm", "visualize", "--array", "0", "a.tiff", "--model", "run"], ["--array"]),
        ]
        for (arguments, fragments) in cases {
            try CommandLineHarness.expectRefusal(arguments, in: dir, mentioning: fragments)
        }
        // A SLURM environment that makes no sense is refused naming the variables, not guessed at.
        let environments: [[String: String]] = [
            ["SLURM_ARRAY_TASK_ID": "abc", "SLURM_ARRAY_TASK_COUNT": "3"],
            ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "0"],
            ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "-4"],
            ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "99999999999999999999"],
            ["SLURM_ARRAY_TASK_ID": "1"],
        ]
        for environment in environments {
            try CommandLineHarness.expectRefusal(features, in: dir, mentioning: ["SLURM_ARRAY_TASK_ID"], environment: environment)
        }
    }

    /// The manifest is input like any other: garbage lines, records with missing or crafted fields
    /// (a file outside the cache, a FIFO that would block a reader), a stale `running` entry of a dead
    /// process and a record torn mid-line are skipped or taken over, and the cache ends as after one
    /// clean run.
    @Test func hostileManifestLinesAreSkippedAndStaleEntriesTakenOver() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        try CohortFixture.synthesize(in: dir, perClass: 2)
        _ = try CohortFixture.hatnet(CohortFixture.features(into: "features"), in: dir)
        let clean = try CohortFixture.cacheFiles(dir.appendingPathComponent("features"))
        let cache = try CohortFixture.cacheDirectory(dir.appendingPathComponent("features"))
        let manifestURL = cache.appendingPathComponent("manifest.jsonl")
        var lines = try String(contentsOf: manifestURL, encoding: .utf8).split(separator: "\n").map(String.init)
        let slides = try CohortFixture.manifestRecords(cache).filter { $0["status"] as? String == "done" }.compactMap { $0["slide"] as? String }
        #expect(slides.count == 8)
        // The last line is one slide's done record: it is torn in half below, as by a writer killed mid-write.
        try #require(!lines.isEmpty)
        let torn = lines.removeLast()
        let tornSlide = try #require((try JSONSerialization.jsonObject(with: Data(torn.utf8)) as? [String: Any])?["slide"] as? String)
        let (stale, crafted, fifoSlide) = try #require(slides.filter { $0 != tornSlide }.prefix(3).collect3())

        // A process that has ended: its pid runs no more on this host.
        let dead = try ChildProcess.run(URL(fileURLWithPath: "/bin/true")).processIdentifier
        let host = ProcessInfo.processInfo.hostName
        let time = "2026-12-01T09:00:00.000Z", hash = String(repeating: "ab", count: 32)
        // The stale slide's files are gone too, so its take-over really computes them again.
        for name in try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent(stale).path) where name.hasSuffix(".safetensors") {
            try FileManager.default.removeItem(at: cache.appendingPathComponent(stale).appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(at: cache.appendingPathComponent("pipes"), withIntermediateDirectories: true)
        #expect(mkfifo(cache.appendingPathComponent("pipes/\(fifoSlide)").path, 0o644) == 0)
        var fifoDone = try #require(try CohortFixture.manifestRecords(cache).last { $0["slide"] as? String == fifoSlide && $0["status"] as? String == "done" })
        fifoDone["files"] = [["path": "pipes/\(fifoSlide)", "size": 0, "sha256": hash]]
        let fifoRecord = String(decoding: try JSONSerialization.data(withJSONObject: fifoDone), as: UTF8.self)
        let hostile = [
            "not json at all",
            "{\"status\":\"done\"}",
            "{\"status\":\"exploded\",\"command\":\"features\",\"slide\":\"\(crafted)\",\"host\":\"\(host)\",\"pid\":1,\"time\":\"\(time)\"}",
            // Done records pointing outside the cache, with a negative size, with no settings: not evidence.
            "{\"status\":\"done\",\"command\":\"features\",\"slide\":\"\(crafted)\",\"host\":\"\(host)\",\"pid\":1,\"time\":\"\(time)\","
                + "\"settings\":{},\"files\":[{\"path\":\"../../../../etc/passwd\",\"size\":1,\"sha256\":\"\(hash)\"}]}",
            "{\"status\":\"done\",\"command\":\"features\",\"slide\":\"\(crafted)\",\"host\":\"\(host)\",\"pid\":1,\"time\":\"\(time)\","
                + "\"settings\":{},\"files\":[{\"path\":\"x\",\"size\":-5,\"sha256\":\"\(hash)\"}]}",
            String(repeating: "[", count: 100_000),
            // The slide's real done record, but its file is a FIFO: reading it to hash it would never end.
            fifoRecord,
            // The stale entry: running, by a pid that is dead, holding no lock.
            "{\"status\":\"running\",\"command\":\"features\",\"slide\":\"\(stale)\",\"host\":\"\(host)\",\"pid\":\(dead),\"time\":\"\(time)\","
                + "\"started\":\"\(time)\",\"worker\":\"slurm 77_2\"}",
        ]
        let unreadable = 6
        try Data((lines + hostile).joined(separator: "\n").utf8 + Data("\n".utf8) + Data(torn.utf8.prefix(torn.utf8.count / 2)))
            .write(to: manifestURL)

        let status = try CohortFixture.hatnet(["slurm", "status", "features"], in: dir)
        // The FIFO slide still counts as done here: status reads the manifest, the workers verify the files.
        #expect(status.stdout.contains("8 slide(s) — 6 done, 0 running, 0 failed, 2 missing"), "\(status.stdout)")
        #expect(status.stdout.contains("missing: \(stale) — its worker (pid \(dead) on \(host), slurm 77_2) ended without finishing"), "\(status.stdout)")
        #expect(status.stdout.contains("\(unreadable) line(s)"), "\(status.stdout)")

        let rerun = try CohortFixture.hatnet(CohortFixture.features(into: "features"), in: dir, timeout: 600)
        #expect(rerun.stdout.contains("3 computed, 5 done already"), "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stderr.contains("\(stale): taking over from pid \(dead) on \(host) (slurm 77_2)"), "\(rerun.stderr)")
        #expect(rerun.stderr.contains("\(fifoSlide): computing again, pipes/\(fifoSlide) is not a regular file"), "\(rerun.stderr)")
        #expect(rerun.stderr.contains("\(tornSlide): taking over"), "\(rerun.stderr)")
        try FileManager.default.removeItem(at: cache.appendingPathComponent("pipes"))
        CohortFixture.expectSameCache(clean, try CohortFixture.cacheFiles(dir.appendingPathComponent("features")))

        // The records appended after the torn line start a line of their own: every one is read.
        let after = try String(contentsOf: manifestURL, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let appended = after.dropFirst(lines.count + hostile.count + 1).filter { !$0.isEmpty }
        #expect(!appended.isEmpty && appended.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "\(appended)")
        let final = try CohortFixture.hatnet(["slurm", "status", "features"], in: dir)
        #expect(final.stdout.contains("8 slide(s) — 8 done, 0 running, 0 failed, 0 missing"), "\(final.stdout)")
        #expect(final.stdout.contains("\(unreadable + 1) line(s)"), "the torn line counts as unreadable: \(final.stdout)")
    }

    @Test func dryRunWritesAReviewableScript() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        try CohortFixture.synthesize(in: dir, perClass: 2)
        let outcome = try CohortFixture.hatnet(["slurm", "features", "--array", "2", "--partition", "short", "--time", "0:30:00",
                                                "--mem", "4G", "--cpus-per-task", "2", "--setup", "module load swift", "--dry-run"]
                                               + CohortFixture.features(into: "features").dropFirst(), in: dir)
        let cache = try CohortFixture.cacheDirectory(dir.appendingPathComponent("features"))
        let script = try String(contentsOf: cache.appendingPathComponent("hatnet-slurm/features.sbatch"), encoding: .utf8)
        for line in ["#SBATCH --array=0-1", "#SBATCH --partition=short", "#SBATCH --time=0:30:00", "#SBATCH --mem=4G",
                     "#SBATCH --cpus-per-task=2", "module load swift", "    features \\", "    --keep-going"] {
            #expect(script.contains(line), "the script lacks \(line):\n\(script)")
        }
        #expect(outcome.stdout.contains("#SBATCH --array=0-1"))
        #expect(!FileManager.default.fileExists(atPath: cache.appendingPathComponent("manifest.jsonl").path), "a dry run computed something")
    }
}

extension Sequence {
    /// The first three elements, or `nil` when there are fewer.
    func collect3() -> (Element, Element, Element)? {
        let items = Array(prefix(3))
        return items.count == 3 ? (items[0], items[1], items[2]) : nil
    }
}

/// Outcomes of concurrent workers.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: CommandLineHarness.Outcome] = [:]
    func set(_ key: Int, _ value: CommandLineHarness.Outcome?) { lock.lock(); values[key] = value; lock.unlock() }
    func get(_ key: Int) -> CommandLineHarness.Outcome? { lock.lock(); defer { lock.unlock() }; return values[key] }
}
