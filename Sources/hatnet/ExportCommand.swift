import ArgumentParser
import Foundation
import Pipeline

/// `hatnet export`: our weights as files the reference PyTorch code loads (`export weights`, the
/// default, so `hatnet export --to pth FILE` keeps working), and cached word features as the
/// TRIDENT/CLAM HDF5 files their tools load (`export features`).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert weights into a PyTorch .pth state dict, or cached features into TRIDENT/CLAM .h5 files.",
        subcommands: [ExportWeightsCommand.self, ExportFeaturesCommand.self],
        defaultSubcommand: ExportWeightsCommand.self)
}

/// `hatnet export [weights]`: safetensors weights as the reference's PyTorch state dict.
struct ExportWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Convert safetensors weights into a PyTorch .pth state dict (the default of `hatnet export`).",
        discussion: """
        The .pth is what torch.save(model.state_dict()) writes, with the reference's key names, so \
        `MIModel.load_state_dict(torch.load(FILE))` (main_evaluation.py --weights-test) accepts it.
        """)

    enum Format: String, ExpressibleByArgument { case pth }

    @Option(help: "Output format (pth).")
    var to: Format = .pth

    @Argument(help: ArgumentHelp("Weight files (.safetensors) to convert.", valueName: "FILE"))
    var inputs: [String]

    @Option(help: ArgumentHelp("Output file (only with one input; default: the input with extension .pth).", valueName: "OUT"))
    var output: String?

    @Flag(help: "Replace existing output files (the .pth next to each input, or --output).")
    var overwrite = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one weight file") }
        if output != nil && inputs.count > 1 { throw ValidationError("--output needs exactly one input file") }
        for input in inputs {
            let destination = destination(for: input)
            try requireNewOutput(destination.path, option: output == nil ? "the default output (the input with extension .pth)" : "--output",
                                 distinctFrom: inputs.map { ($0, "FILE") }, overwrite: overwrite)
        }
    }

    private func destination(for input: String) -> URL {
        output.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: input).deletingPathExtension().appendingPathExtension("pth")
    }

    func run() throws {
        for input in inputs {
            let source = URL(fileURLWithPath: input)
            let destination = destination(for: input)
            let count = try ModelExport.exportPyTorch(from: source, to: destination)
            print("wrote \(destination.path) (\(count) tensors)")
        }
    }
}
