import ArgumentParser
import Checkpoints
import Encoders
import FileOutput
import Foundation
import TensorKit

/// `hatnet encode`: word images → pooled CNN features (and optionally ImageNet logits).
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode word images with a frozen ImageNet CNN.",
        discussion: """
        Reads the tensor `input` [N, 3, H, W] (already ImageNet-normalised) from a safetensors file and \
        writes `features` [N, F] (the globally average-pooled last feature map) and, with --logits, \
        `logits` [N, classes] from the weight file's classifier.
        """)

    @OptionGroup var encoderOptions: EncoderOptions

    @Option(help: "safetensors file holding `input` [N, 3, H, W].")
    var input: String

    @Option(help: "safetensors file to write `features` (and `logits`) to.")
    var output: String

    @Option(help: "Images each core pushes through the network together (1 is fastest; memory grows with it).")
    var batch: Int = 1

    @Flag(help: "Also write `logits` from the classifier in the weight file.")
    var logits = false

    @Flag(help: "Replace the --output file if it exists.")
    var overwrite = false

    func validate() throws {
        guard batch > 0 else { throw ValidationError("--batch must be positive, got \(batch)") }
        try requireNewOutput(output, option: "--output", distinctFrom: [(input, "--input")] + (encoderOptions.weights.map { [($0, "--weights")] } ?? []),
                             overwrite: overwrite)
    }

    func run() throws {
        removeStaleTemporaryFiles(nextTo: output)
        let encoder = try encoderOptions.makeEncoder()
        let inputFile = try SafeTensorsFile(url: URL(fileURLWithPath: input))
        let images = try inputFile.tensor(named: "input")
        guard images.rank == 4, images.shape[1] == 3, images.shape[0] > 0 else {
            throw FileError(path: input, problem: "tensor 'input' has shape \(images.shape), expected [N, 3, H, W] with N ≥ 1")
        }
        guard (32...8192).contains(images.shape[2]), (32...8192).contains(images.shape[3]) else {
            throw FileError(path: input, problem: "tensor 'input' holds \(images.shape[2])×\(images.shape[3]) images; "
                            + "the encoders take 32 to 8192 pixels a side")
        }
        try images.requireFinite("\(input): tensor 'input'")
        try encoder.checkInput(height: images.shape[2], width: images.shape[3])
        if logits && encoder.classifier == nil {
            throw FileError(path: try encoderOptions.weightsURL().path, problem: "--logits: this weight file of \(encoder.name) has no classifier")
        }
        let features = encoder.features(images, batchSize: batch)
        var writer = SafeTensorsWriter(metadata: ["encoder": encoder.name])
        writer.add(features, named: "features")
        if logits, let classifierLogits = encoder.logits(fromFeatures: features) {
            writer.add(classifierLogits, named: "logits")
        }
        try writer.write(to: URL(fileURLWithPath: output))
        print("\(output): features \(features.shape) from \(encoder.name)\(logits ? ", logits" : "")")
    }
}
