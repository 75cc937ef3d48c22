import Foundation

/// The SLURM client commands hatnet runs: `sbatch` to submit, `squeue` (and `sacct`, where
/// accounting is on) to follow. They are found on `PATH`; `SLURM_CONF` and the rest of the
/// environment pass through.
public struct SlurmScheduler: Sendable {
    public init() {}

    /// How long one client command may take before it is killed: a controller that does not
    /// answer makes squeue retry for minutes, and `--wait` must not hang on it.
    public var commandTimeout: TimeInterval = 180

    /// Runs `program arguments…`; returns its exit status, stdout and stderr.
    /// - Throws: ``CohortError/scheduler(_:)`` when the program is not on PATH or does not end
    ///   within ``commandTimeout`` (it is killed).
    public func execute(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let executable = Self.find(program) else {
            throw CohortError.scheduler("\(program) is not on PATH; run this on a SLURM login node (or start scripts/local-slurm.sh), "
                                        + "or use --dry-run to only write the script")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Small outputs (squeue of a large array is a few hundred kB), read to the end on two threads.
        let group = DispatchGroup()
        let outputData = DataBox(), errorData = DataBox()
        for (pipe, box) in [(output, outputData), (errors, errorData)] {
            group.enter()
            DispatchQueue.global().async {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        if group.wait(timeout: .now() + commandTimeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            group.wait()
            process.waitUntilExit()
            throw CohortError.scheduler("\(program) \(arguments.joined(separator: " ")) did not answer within \(Int(commandTimeout)) s "
                                        + "and was stopped; is slurmctld reachable (scontrol ping)?")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData.data, as: UTF8.self), String(decoding: errorData.data, as: UTF8.self))
    }

    static func find(_ program: String) -> URL? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let url = URL(fileURLWithPath: String(directory)).appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Submits `script`; returns the job id.
    /// - Throws: ``CohortError/scheduler(_:)`` with sbatch's message.
    public func submit(_ script: URL) throws -> String {
        let (status, stdout, stderr) = try execute("sbatch", ["--parsable", script.path])
        let id = stdout.split(separator: "\n").last.map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) } ?? ""
        guard status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw CohortError.scheduler("sbatch \(script.path) failed (exit \(status)): "
                                        + (stderr.isEmpty ? stdout : stderr).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return id
    }

    /// The state of every task of `job` the controller still knows (`squeue --states=all`),
    /// by array index; empty once the job has left the controller.
    public func taskStates(job: String) throws -> [Int: String] {
        let (status, stdout, stderr) = try execute("squeue", ["--noheader", "--array", "--states=all", "--jobs=\(job)", "--format=%i|%T"])
        if status != 0 {
            // squeue says "Invalid job id specified" once the job is gone.
            if stderr.contains("Invalid job id") { return [:] }
            throw CohortError.scheduler("squeue --jobs=\(job) failed (exit \(status)): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        var states: [Int: String] = [:]
        for line in stdout.split(separator: "\n") {
            let fields = line.split(separator: "|")
            guard fields.count == 2 else { continue }
            let id = fields[0].trimmingCharacters(in: .whitespaces)
            guard let underscore = id.firstIndex(of: "_") else { continue }
            let index = id[id.index(after: underscore)...]
            if let task = Int(index) { states[task] = String(fields[1]) }
            // A pending remainder like 12_[3-9] stands for several tasks.
            else if index.hasPrefix("["), let range = Self.expand(String(index.dropFirst().prefix { $0 != "]" && $0 != "%" })) {
                for task in range { states[task] = String(fields[1]) }
            }
        }
        return states
    }

    /// Final states from accounting (`sacct`), when the cluster keeps it; empty otherwise.
    public func accountedStates(job: String) -> [Int: String] {
        guard let (status, stdout, _) = try? execute("sacct", ["--noheader", "--parsable2", "--allocations", "--jobs=\(job)",
                                                                "--format=JobID,State"]), status == 0 else { return [:] }
        var states: [Int: String] = [:]
        for line in stdout.split(separator: "\n") {
            let fields = line.split(separator: "|")
            guard fields.count == 2, let underscore = fields[0].firstIndex(of: "_"),
                  let task = Int(fields[0][fields[0].index(after: underscore)...]) else { continue }
            states[task] = String(fields[1].split(separator: " ")[0])
        }
        return states
    }

    /// `3-9,11` → 3…9 and 11.
    static func expand(_ list: String) -> [Int]? {
        var result: [Int] = []
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1 { result.append(bounds[0]) } else if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 1_000_000 {
                result += Array(bounds[0]...bounds[1])
            } else { return nil }
        }
        return result
    }

    /// States after which a task runs no more.
    public static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                                  "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]
}

/// Bytes a reader thread hands back (written before `DispatchGroup.leave`, read after `wait`).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
