import ArgumentParser
import Foundation
import Pipeline

/// `hatnet export`: our weights as files the reference PyTorch code loads.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Convert safetensors weights into a PyTorch .pth state dict.",
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

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one weight file") }
        if output != nil && inputs.count > 1 { throw ValidationError("--output needs exactly one input file") }
    }

    func run() throws {
        for input in inputs {
            let source = URL(fileURLWithPath: input)
            let destination = output.map { URL(fileURLWithPath: $0) } ?? source.deletingPathExtension().appendingPathExtension("pth")
            let count = try ModelExport.exportPyTorch(from: source, to: destination)
            print("wrote \(destination.path) (\(count) tensors)")
        }
    }
}
