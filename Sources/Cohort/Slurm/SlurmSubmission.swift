import FileOutput
import Foundation

/// What `hatnet slurm features|predict|visualize` does: records the slide list in the manifest,
/// writes the reviewable sbatch array script (``SbatchScript``) to `<output>/hatnet-slurm/<command>.sbatch`
/// with task logs in `<output>/hatnet-slurm/logs/`, submits it (``SlurmScheduler``) unless it is a
/// dry run, and with `wait` follows the tasks to their end (``SlurmFollower``).
///
/// A resubmission asks only for what is missing or failed: slides the manifest records as done
/// are counted out, the array shrinks to the slides left, and nothing is submitted when none is.
/// The tasks themselves still verify every done slide's files before they skip it.
public struct SlurmSubmission {
    /// The sbatch settings (`--array`, `--partition`, …); ``SlurmJobSettings/arrayTasks`` is the most asked for.
    public var settings: SlurmJobSettings
    /// `features`, `predict` or `visualize`.
    public var command: String
    /// The arguments of the worker command, as given to `hatnet slurm <command>`.
    public var arguments: [String]
    /// The hatnet binary the tasks run (absolute).
    public var binary: URL
    /// The output directory with the manifest.
    public var directory: URL
    /// The directory the tasks start in (relative paths of `arguments` are relative to it).
    public var workingDirectory: URL
    public var units: [SlideWorkUnit]
    public var dryRun = false
    public var wait = false
    /// Seconds between squeue polls while following.
    public var pollInterval: TimeInterval = 5
    public var scheduler = SlurmScheduler()

    /// The polling intervals `wait` accepts.
    public static let pollIntervals: ClosedRange<TimeInterval> = 0.2...600
    /// The directory, inside the output directory, of the script and the task logs.
    public static let scriptDirectoryName = "hatnet-slurm"

    public init(settings: SlurmJobSettings, command: String, arguments: [String], binary: URL, directory: URL,
                workingDirectory: URL, units: [SlideWorkUnit]) {
        self.settings = settings
        self.command = command
        self.arguments = arguments
        self.binary = binary
        self.directory = directory
        self.workingDirectory = workingDirectory
        self.units = units
    }

    /// Checks what the user chose before anything is written: the sbatch settings, the poll
    /// interval and the binary. Paths are checked by ``submit(print:)``.
    /// - Throws: ``CohortError/invalidOption(_:)`` naming the option.
    public static func validate(settings: SlurmJobSettings, pollInterval: TimeInterval, binary: String?) throws {
        try settings.validate()
        guard pollInterval.isFinite, pollIntervals.contains(pollInterval) else {
            throw CohortError.invalidOption("--poll-interval must be between \(pollIntervals.lowerBound) and \(Int(pollIntervals.upperBound)) "
                                            + "seconds, got \(pollInterval)")
        }
        if let binary, !FileManager.default.isExecutableFile(atPath: binary) {
            throw CohortError.invalidOption("--hatnet \(binary) is not an executable file")
        }
    }

    /// Writes the script, submits it unless ``dryRun``, and with ``wait`` follows it; `print`
    /// receives each line for the user (the script itself on a dry run).
    /// - Throws: ``CohortError`` naming the path, the scheduler command, or — after `wait` — the
    ///   tasks that did not complete and the slides not done.
    public func submit(print: (String) -> Void) throws {
        for (path, what) in [(directory.path, "the output directory"), (workingDirectory.path, "the working directory")]
        where path.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "'" || $0 == "\\" }) {
            throw CohortError.invalidOption("\(what) \(path) contains spaces or quotes, which #SBATCH lines cannot carry; choose another")
        }
        if units.contains(where: { $0.id == Self.scriptDirectoryName }) && command != "features" {
            throw CohortError.invalidOption("a slide named \(Self.scriptDirectoryName) would collide with the script directory; rename it")
        }
        let scriptDirectory = directory.appendingPathComponent(Self.scriptDirectoryName, isDirectory: true)
        let logs = scriptDirectory.appendingPathComponent("logs", isDirectory: true)
        do { try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true) } catch {
            throw CohortError.file(path: logs.path, reason: "cannot create the directory (\(error.localizedDescription))")
        }
        let manifest = try Manifest(directory: directory)
        // The slide list is recorded once here, so that a thousand tasks starting at once do not
        // each append it.
        if manifest.cohort != units.map(\.id), !dryRun {
            var record = ManifestRecord(status: .cohort, command: command, worker: "hatnet slurm")
            record.slides = units.map(\.id)
            try manifest.append(record)
        }
        let remaining = units.filter { manifest.latest[$0.id]?.status != .done }
        if remaining.isEmpty, !units.isEmpty {
            print("all \(units.count) slide(s) are done according to \(manifest.url.path); nothing to submit "
                  + "(the workers would verify them; run `hatnet \(command)` to check the files)")
            return
        }
        var settings = settings
        if remaining.count < units.count {
            print("\(remaining.count) of \(units.count) slide(s) are missing or failed; only they will be computed")
        }
        if remaining.count < settings.arrayTasks {
            print("submitting \(remaining.count) task(s) instead of \(settings.arrayTasks): no more slides to share")
            settings.arrayTasks = max(1, remaining.count)
        }
        var worker = [binary.path, command] + arguments
        if !arguments.contains("--keep-going") { worker.append("--keep-going") }
        let script = SbatchScript(settings: settings, command: worker, workingDirectory: workingDirectory, logDirectory: logs,
                                  summary: "hatnet \(command) over \(units.count) slide(s) (\(remaining.count) to do) in \(settings.arrayTasks) task(s), "
                                      + "manifest \(manifest.url.path)")
        let scriptURL = scriptDirectory.appendingPathComponent("\(command).sbatch")
        try AtomicFile.write(script.text, to: scriptURL)
        chmod(scriptURL.path, 0o755)
        print("wrote \(scriptURL.path)")
        if dryRun {
            print(String(script.text.dropLast(script.text.hasSuffix("\n") ? 1 : 0)))
            return
        }
        let job = try scheduler.submit(scriptURL)
        print("submitted job \(job): \(settings.arrayTasks) task(s); logs in \(logs.path); `hatnet slurm status \(directory.path)` shows the progress")
        guard wait else { return }
        let follower = SlurmFollower(scheduler: scheduler, job: job, tasks: settings.arrayTasks, directory: directory, interval: pollInterval)
        let states = try follower.follow(print: print)
        let status = try CohortStatus(directory: directory)
        print(status.report)
        let unsuccessful = states.filter { $0.value != "COMPLETED" }.sorted { $0.key < $1.key }
        if !unsuccessful.isEmpty || status.remaining > 0 {
            throw CohortError.scheduler("job \(job): " + (unsuccessful.isEmpty ? "" : unsuccessful.map { "task \($0.key) \($0.value)" }.joined(separator: ", ") + "; ")
                                        + "\(status.remaining) slide(s) not done; see \(logs.path) and submit again to finish them")
        }
    }
}
