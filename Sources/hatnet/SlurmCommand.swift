import ArgumentParser
import Cohort
import FileOutput
import Foundation

/// `hatnet slurm …`: the per-slide commands as SLURM array jobs, and where a cohort stands.
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run features, predict or visualize as a SLURM array job; show where a cohort stands.",
        discussion: """
        `hatnet slurm features|predict|visualize ARGUMENTS… --array N` takes the arguments of the \
        command of that name, writes a reviewable sbatch script (<output>/hatnet-slurm/<command>.sbatch, \
        task logs in <output>/hatnet-slurm/logs/) whose N tasks each run that command as one worker, \
        and submits it with sbatch (not with --dry-run). Each task starts with its share of the \
        slides and then helps with the rest through per-slide locks on the shared filesystem; every \
        slide is recorded in <output>/manifest.jsonl. Submitting again runs only what is missing or \
        failed (and nothing when all is done). --wait follows the tasks with squeue (sacct where \
        accounting is on) until they end. `hatnet slurm status DIR` shows done, running, failed \
        and missing slides.
        """,
        subcommands: [SlurmFeaturesCommand.self, SlurmPredictCommand.self, SlurmVisualizeCommand.self, SlurmStatusCommand.self])
}

/// The sbatch options of `hatnet slurm features|predict|visualize`.
struct SlurmOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Array tasks (workers), 1 to \(SlurmJobSettings.maximumArrayTasks).", valueName: "N")) var array: Int
    @Option(help: ArgumentHelp("SLURM partition.", valueName: "P")) var partition: String?
    @Option(help: ArgumentHelp("Time limit of each task (MINUTES, HH:MM:SS, D-HH:MM, …).", valueName: "T")) var time: String?
    @Option(help: ArgumentHelp("Memory of each task (e.g. 8G).", valueName: "M")) var mem: String?
    @Option(help: ArgumentHelp("CPUs of each task.", valueName: "C")) var cpusPerTask: Int?
    @Option(help: ArgumentHelp("A shell line each task runs first, e.g. \"module load swift\" (repeatable).", valueName: "LINE"))
    var setup: [String] = []
    @Option(help: ArgumentHelp("A further sbatch option for the script, e.g. --sbatch=--account=lab (repeatable).", valueName: "OPTION"))
    var sbatch: [String] = []
    @Option(help: ArgumentHelp("Job name (default hatnet-<command>).", valueName: "NAME")) var jobName: String?
    @Option(help: ArgumentHelp("The hatnet binary the tasks run (default: this one).", valueName: "PATH")) var hatnet: String?
    @Flag(help: "Follow the tasks until they end, printing their states and the progress.") var wait = false
    @Option(help: ArgumentHelp("Seconds between squeue polls with --wait.", valueName: "SECONDS")) var pollInterval: Double = 5
    @Flag(help: "Write the script and print it, but do not submit it.") var dryRun = false

    func settings(command: String) -> SlurmJobSettings {
        SlurmJobSettings(arrayTasks: array, partition: partition, time: time, memory: mem, cpusPerTask: cpusPerTask,
                         setupLines: setup, extraOptions: sbatch, jobName: jobName ?? "hatnet-\(command)")
    }

    func validate() throws {
        try libraryRule { try settings(command: "x").validate() }
        guard pollInterval.isFinite, (0.2...600).contains(pollInterval) else {
            throw ValidationError("--poll-interval must be between 0.2 and 600 seconds, got \(pollInterval)")
        }
        if let hatnet {
            guard FileManager.default.isExecutableFile(atPath: hatnet) else { throw ValidationError("--hatnet \(hatnet) is not an executable file") }
        }
    }

    /// The binary the tasks run, as an absolute path.
    func binary() -> String {
        if let hatnet { return URL(fileURLWithPath: hatnet).standardizedFileURL.path }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    /// Writes the script for `command` run with `arguments` over `units` recorded in `directory`,
    /// submits it unless --dry-run, and follows it with --wait.
    func submit(command: String, arguments: [String], directory: URL, units: [SlideWorkUnit]) throws {
        for (path, what) in [(directory.path, "the output directory"), (FileManager.default.currentDirectoryPath, "the working directory")]
        where path.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "'" || $0 == "\\" }) {
            throw ValidationError("\(what) \(path) contains spaces or quotes, which #SBATCH lines cannot carry; choose another")
        }
        if units.contains(where: { $0.id == "hatnet-slurm" }) && command != "features" {
            throw ValidationError("a slide named hatnet-slurm would collide with the script directory; rename it")
        }
        let slurmDirectory = directory.appendingPathComponent("hatnet-slurm", isDirectory: true)
        let logs = slurmDirectory.appendingPathComponent("logs", isDirectory: true)
        do { try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true) } catch {
            throw ValidationError("cannot create \(logs.path) (\(error.localizedDescription))")
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
        var settings = settings(command: command)
        if remaining.count < units.count {
            print("\(remaining.count) of \(units.count) slide(s) are missing or failed; only they will be computed")
        }
        if remaining.count < settings.arrayTasks {
            print("submitting \(remaining.count) task(s) instead of \(settings.arrayTasks): no more slides to share")
            settings.arrayTasks = max(1, remaining.count)
        }
        var worker = [binary(), command] + arguments
        if !arguments.contains("--keep-going") { worker.append("--keep-going") }
        let script = SbatchScript(settings: settings, command: worker,
                                  workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
                                  logDirectory: logs,
                                  summary: "hatnet \(command) over \(units.count) slide(s) (\(remaining.count) to do) in \(settings.arrayTasks) task(s), "
                                      + "manifest \(manifest.url.path)")
        let scriptURL = slurmDirectory.appendingPathComponent("\(command).sbatch")
        try AtomicFile.write(script.text, to: scriptURL)
        chmod(scriptURL.path, 0o755)
        print("wrote \(scriptURL.path)")
        if dryRun {
            print(script.text, terminator: "")
            return
        }
        let scheduler = SlurmScheduler()
        let job = try scheduler.submit(scriptURL)
        print("submitted job \(job): \(settings.arrayTasks) task(s); logs in \(logs.path); `hatnet slurm status \(directory.path)` shows the progress")
        guard wait else { return }
        let follower = SlurmFollower(scheduler: scheduler, job: job, tasks: settings.arrayTasks, directory: directory, interval: pollInterval)
        let states = try follower.follow { print($0); fflush(stdout) }
        let status = try CohortStatus(directory: directory)
        print(status.report)
        let unsuccessful = states.filter { $0.value != "COMPLETED" }.sorted { $0.key < $1.key }
        if !unsuccessful.isEmpty || status.remaining > 0 {
            throw CohortError.scheduler("job \(job): " + (unsuccessful.isEmpty ? "" : unsuccessful.map { "task \($0.key) \($0.value)" }.joined(separator: ", ") + "; ")
                                        + "\(status.remaining) slide(s) not done; see \(logs.path) and submit again to finish them")
        }
    }
}

struct SlurmFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "hatnet features as a SLURM array job.")
    @OptionGroup var slurm: SlurmOptions
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The arguments of `hatnet features`.", valueName: "FEATURES-ARGUMENTS"))
    var arguments: [String] = []

    func run() throws {
        let command = try parsedCommand(FeaturesCommand.self, arguments)
        let (_, cache) = try command.openCache()
        try slurm.submit(command: "features", arguments: arguments, directory: cache.directory, units: try command.slideUnits())
    }
}

struct SlurmPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "hatnet predict as a SLURM array job.")
    @OptionGroup var slurm: SlurmOptions
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The arguments of `hatnet predict`.", valueName: "PREDICT-ARGUMENTS"))
    var arguments: [String] = []

    func run() throws {
        let command = try parsedCommand(PredictCommand.self, arguments)
        try slurm.submit(command: "predict", arguments: arguments, directory: URL(fileURLWithPath: command.output, isDirectory: true).standardizedFileURL,
                         units: command.slides.map { SlideWorkUnit(slideFile: URL(fileURLWithPath: $0)) })
    }
}

struct SlurmVisualizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "visualize", abstract: "hatnet visualize (several slides, --model) as a SLURM array job.")
    @OptionGroup var slurm: SlurmOptions
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The arguments of `hatnet visualize`.", valueName: "VISUALIZE-ARGUMENTS"))
    var arguments: [String] = []

    func run() throws {
        // A task runs one worker even for one slide, so check as a worker would (per-slide directories).
        let command = try parsedCommand(VisualizeCommand.self, arguments + (arguments.contains("--shard") ? [] : ["--shard", "1/1"]))
        try slurm.submit(command: "visualize", arguments: arguments, directory: URL(fileURLWithPath: command.out, isDirectory: true).standardizedFileURL,
                         units: command.slideFiles.map { SlideWorkUnit(slideFile: URL(fileURLWithPath: $0)) })
    }
}

/// Parses and validates the worker command's arguments, so a mistake is reported before submission.
private func parsedCommand<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]) throws -> Command {
    do {
        return try Command.parse(arguments)
    } catch {
        throw ValidationError("hatnet \(Command.configuration.commandName ?? ""): \(Command.message(for: error))")
    }
}

struct SlurmStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the done, running, failed and missing slides of a cohort run from its manifest.",
        discussion: "DIR is the output directory of features (the cache directory or its root), predict or visualize.")
    @Argument(help: ArgumentHelp("Output directory with a manifest.jsonl.", valueName: "DIR")) var directory: String

    func run() throws {
        let status = try CohortStatus(directory: URL(fileURLWithPath: directory, isDirectory: true))
        print(status.report)
    }
}
