import Foundation

/// The sbatch array script `hatnet slurm …` writes next to the output, for review before (or
/// instead of) submitting: `#SBATCH` lines from ``SlurmJobSettings``, the setup lines, and one
/// `hatnet` command every task runs. Each task finds its shard in `SLURM_ARRAY_TASK_ID` and
/// `SLURM_ARRAY_TASK_COUNT` and then helps with the rest through the per-slide locks, so the same
/// script resubmitted runs only what is missing or failed.
public struct SbatchScript: Sendable {
    public let settings: SlurmJobSettings
    /// The worker command: the hatnet binary and its arguments.
    public let command: [String]
    public let workingDirectory: URL
    /// Where each task's stdout and stderr go (`%A_%a.out`).
    public let logDirectory: URL
    public let summary: String

    public init(settings: SlurmJobSettings, command: [String], workingDirectory: URL, logDirectory: URL, summary: String) {
        self.settings = settings
        self.command = command
        self.workingDirectory = workingDirectory
        self.logDirectory = logDirectory
        self.summary = summary
    }

    /// A word for the shell, single-quoted unless it is plainly safe.
    public static func shellQuoted(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-./=:,+@%".contains($0)) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// An `#SBATCH` value: sbatch reads these lines itself, so no quoting beyond refusing spaces.
    private static func directive(_ option: String, _ value: String) -> String { "#SBATCH \(option)=\(value)" }

    public var text: String {
        var lines = ["#!/bin/bash",
                     "# Written by hatnet: \(summary).",
                     "# Review it, then submit with `sbatch \(Self.shellQuoted("<this file>"))` (hatnet slurm does that unless --dry-run).",
                     "# Resubmitting runs only the slides that are not done: each task skips slides the manifest",
                     "# records as done and verified, and takes the others through per-slide locks.",
                     Self.directive("--job-name", settings.jobName),
                     Self.directive("--array", "0-\(settings.arrayTasks - 1)"),
                     Self.directive("--output", logDirectory.appendingPathComponent("%A_%a.out").path),
                     Self.directive("--chdir", workingDirectory.path)]
        if let partition = settings.partition { lines.append(Self.directive("--partition", partition)) }
        if let time = settings.time { lines.append(Self.directive("--time", time)) }
        if let memory = settings.memory { lines.append(Self.directive("--mem", memory)) }
        if let cpus = settings.cpusPerTask { lines.append(Self.directive("--cpus-per-task", "\(cpus)")) }
        for option in settings.extraOptions { lines.append("#SBATCH \(option)") }
        lines += ["", "set -eu"]
        lines += settings.setupLines
        lines += ["echo \"hatnet: task ${SLURM_ARRAY_TASK_ID:-?} of ${SLURM_ARRAY_TASK_COUNT:-?} (job ${SLURM_ARRAY_JOB_ID:-?}) on $(hostname)\" >&2",
                  "exec " + command.map(Self.shellQuoted).joined(separator: " \\\n    ")]
        return lines.joined(separator: "\n") + "\n"
    }
}
