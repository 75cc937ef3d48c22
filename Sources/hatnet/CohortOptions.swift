import ArgumentParser
import Cohort
import Foundation

/// The options of the per-slide cohort commands (`features`, `predict`, `visualize`): which part
/// of the slides to start with, and whether a failed slide stops the run.
struct CohortOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start with part K of N of the slides (K from 1 to N), then help with the rest; inside a SLURM "
                               + "array the task's SLURM_ARRAY_TASK_ID/COUNT are used.", valueName: "K/N"))
    var shard: String?

    @Flag(help: "Record a failed slide in the manifest and go on with the others; failures are listed at the end (exit status 1).")
    var keepGoing = false

    func validate() throws {
        if let shard { _ = try libraryRule { try Shard(parsing: shard) } }
        _ = try libraryRule { try Shard.fromEnvironment() }
    }

    /// `--shard`, else the SLURM array task's shard, else none.
    func resolvedShard() throws -> Shard? {
        if let shard { return try Shard(parsing: shard) }
        return try Shard.fromEnvironment()
    }

    /// Whether this process is one of several workers (a shard or a SLURM task).
    var isWorker: Bool { shard != nil || ProcessInfo.processInfo.environment["SLURM_ARRAY_TASK_ID"] != nil }

    /// Runs `task` over `units`: events on stderr, the summary on stdout.
    /// - Throws: the first slide's error (without --keep-going), or ``CohortError/slidesFailed`` after all.
    @discardableResult
    func run(_ task: any SlideTask, units: [SlideWorkUnit], name: String) throws -> CohortRun.Summary {
        let shard = try resolvedShard()
        let run = CohortRun(task: task, units: units, shard: shard, keepGoing: keepGoing)
        if let shard { print("\(name): shard \(shard)\(run.worker.map { " (\($0))" } ?? ""), \(units.count) slide(s), manifest \(task.directory.appendingPathComponent(Manifest.fileName).path)") }
        var finished = 0, worked = 0
        let start = Date()
        let summary = try run.run { event in
            switch event {
            case .skipped, .busy: finished += 1
            case .finished, .failed: finished += 1; worked += 1
            default: break
            }
            // The time left, from the slides this process worked on so far (skipped ones cost nothing).
            var eta = ""
            if case .finished = event, finished < units.count {
                let left = Date().timeIntervalSince(start) / Double(worked) * Double(units.count - finished)
                eta = left < 90 ? String(format: ", about %.0f s left", left) : String(format: ", about %.0f min left", left / 60)
            }
            switch event {
            case .skipped, .started: break
            default: FileHandle.standardError.write(Data("hatnet \(name): [\(finished)/\(units.count)] \(event)\(eta)\n".utf8))
            }
        }
        print("\(name): \(summary.description)")
        if !summary.failures.isEmpty {
            throw CohortError.slidesFailed(count: summary.failures.count, total: units.count, manifest: summary.manifest.path)
        }
        return summary
    }
}
