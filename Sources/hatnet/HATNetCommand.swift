import ArgumentParser
import Foundation
import TensorKit

/// The `hatnet` command-line tool: each pipeline stage is a subcommand.
@main
struct HATNetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hatnet",
        abstract: "HATNet: holistic attention network for diagnosing breast-biopsy whole-slide images.",
        discussion: """
        Reads whole-slide images, cuts them into bags and words, encodes words with a CNN, applies \
        word-to-bag and bag-to-image attention, and reports the diagnosis with its attention maps.
        Mehta et al., "HATNet: An End-to-End Holistic Attention Network for Diagnosis of Breast \
        Biopsy Images", arXiv:2007.13007.

        Every command accepts --max-memory SIZE (e.g. 8G; also $HATNET_MAX_MEMORY): the most memory \
        one input-controlled allocation may take. By default it is the machine's memory or `ulimit -v`; \
        a file or option that asks for more is refused with the amount it needed.
        """,
        subcommands: [SynthCommand.self, SlideCommand.self, WordsCommand.self, WeightsCommand.self, EncodeCommand.self,
                      FeaturesCommand.self, TrainCommand.self, EvalCommand.self, AverageCommand.self, ExportCommand.self, ImportCommand.self,
                      PredictCommand.self, AttendCommand.self, VisualizeCommand.self, MetricsCommand.self, DemoCommand.self, SlurmCommand.self,
                      ServeCommand.self, BenchCommand.self])

    /// Applies the runtime settings for throughput, then parses the arguments and runs the command.
    static func main() {
        RuntimeTuning.applyThroughputDefaults()
        let arguments: [String]
        do {
            arguments = try GlobalArguments.apply(Array(CommandLine.arguments.dropFirst()))
        } catch {
            exit(withError: error)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: CommandFailure.presentable(error))
        }
    }
}
