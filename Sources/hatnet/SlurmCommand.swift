import ArgumentParser
import Cohort
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
        try libraryRule { try SlurmSubmission.validate(settings: settings(command: "x"), pollInterval: pollInterval, binary: hatnet) }
    }

    /// Submits `command` run with `arguments` over `units` recorded in `directory` (see ``SlurmSubmission``).
    func submit(command: String, arguments: [String], directory: URL, units: [SlideWorkUnit]) throws {
        // The tasks run this very binary unless --hatnet names another.
        let binary = hatnet.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var submission = SlurmSubmission(settings: settings(command: command), command: command, arguments: arguments, binary: binary,
                                         directory: directory, workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
                                         units: units)
        submission.dryRun = dryRun
        submission.wait = wait
        submission.pollInterval = pollInterval
        try submission.submit { print($0); fflush(stdout) }
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
