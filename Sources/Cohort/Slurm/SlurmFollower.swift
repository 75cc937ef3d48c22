import Foundation

/// `--wait`: follows an array job to its end, printing each task's state changes and the
/// manifest's progress, until every task has reached a final state.
public struct SlurmFollower {
    public let scheduler: SlurmScheduler
    public let job: String
    public let tasks: Int
    /// The manifest's directory, for progress (done / failed of the cohort).
    public let directory: URL
    public let interval: TimeInterval

    public init(scheduler: SlurmScheduler = SlurmScheduler(), job: String, tasks: Int, directory: URL, interval: TimeInterval = 5) {
        self.scheduler = scheduler
        self.job = job
        self.tasks = tasks
        self.directory = directory
        self.interval = interval
    }

    /// Follows the job; returns each task's final state (`UNKNOWN` where neither squeue nor sacct
    /// remembers it).
    public func follow(print output: (String) -> Void) throws -> [Int: String] {
        var known: [Int: String] = [:]
        var lastProgress = ""
        var absentPolls = 0
        while true {
            let states = try scheduler.taskStates(job: job)
            for (task, state) in states.sorted(by: { $0.key < $1.key }) where known[task] != state {
                output("task \(task): \(known[task].map { "\($0) → " } ?? "")\(state)")
                known[task] = state
            }
            if let status = try? CohortStatus(directory: directory) {
                let line = "progress: \(status.done.count)/\(status.total) done, \(status.running.filter(\.alive).count) running, "
                    + "\(status.failed.count) failed"
                if line != lastProgress { output(line); lastProgress = line }
            }
            let finished = (0..<tasks).allSatisfy { known[$0].map(SlurmScheduler.finalStates.contains) ?? false }
            if finished { return known }
            if states.isEmpty {
                // Gone from the controller before we saw the end: ask accounting, else stop.
                absentPolls += 1
                if absentPolls >= 3 {
                    let accounted = scheduler.accountedStates(job: job)
                    for task in 0..<tasks where !(known[task].map(SlurmScheduler.finalStates.contains) ?? false) {
                        let state = accounted[task] ?? "UNKNOWN"
                        output("task \(task): \(state)\(accounted[task] == nil ? " (no longer in squeue; sacct has no record)" : "")")
                        known[task] = state
                    }
                    return known
                }
            } else {
                absentPolls = 0
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
