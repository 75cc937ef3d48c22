import ArgumentParser
import Foundation
import Pipeline

/// `hatnet average`: average_checkpoints.py.
struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights of the N epochs with the best validation accuracy.",
        discussion: """
        Reads the run's val*.json (epoch → validation accuracy), picks the --best-n best epochs after \
        --after-ep (ties: the later epoch), averages their model_<epoch> files element-wise and writes \
        averaged_model_best<N>.safetensors (…_after<K> with --after-ep) into the directory. Needs at \
        least two checkpoints.
        """)

    @Option(help: ArgumentHelp("Run directory of `hatnet train`.", valueName: "DIR"))
    var checkpointDir: String

    @Option(help: "Number of best epochs to average (at least 2).")
    var bestN: Int

    @Option(help: "Only consider epochs after this one (0-based; -1: all).")
    var afterEp = -1

    func validate() throws {
        guard bestN >= 2 else { throw ValidationError("--best-n must be at least 2: averaging needs two checkpoints") }
    }

    func run() throws {
        let outcome = try CheckpointAveraging.run(checkpointDirectory: URL(fileURLWithPath: checkpointDir, isDirectory: true),
                                                  bestN: bestN, afterEpoch: afterEp)
        print("epochs to average: \(outcome.epochs)")
        print("wrote \(outcome.output.path)")
    }
}
