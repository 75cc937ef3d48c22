import Checkpoints
import Foundation
import HATNet
import TestSupport
import Testing
@testable import Pipeline
import TensorKit

/// `hatnet export --to pth`: our .pth reader and (when installed) PyTorch read back what we wrote.
@Suite struct ModelExportTests {
    @Test func exportedStateDictRoundTripsThroughThePthReader() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: 16, outFeatures: 32, numBagsWords: 3), seed: 4)
        let source = directory.file("model_best.safetensors"), target = directory.file("model_best.pth")
        try RunDirectory.writeStateDict(model.stateDict(), to: source)
        #expect(try ModelExport.exportPyTorch(from: source, to: target) == model.stateDict().count)
        #expect(try CheckpointFormat.detect(at: target) == .pyTorchZip)
        let reread = try PyTorchCheckpoint.loadStateDict(from: target)
        #expect(reread.keys.sorted() == model.stateDict().map(\.key).sorted())
        for (key, tensor) in model.stateDict() {
            #expect(reread[key]?.shape == tensor.shape)
            #expect(reread[key]?.scalars == tensor.scalars, "\(key) differs")
        }
        // A model built from the exported file predicts exactly as the original.
        let copy = HATNetModel(configuration: model.configuration)
        try copy.loadStateDict(try AttentionRun.loadStateDict(from: target))
        model.eval(); copy.eval()
        var generator = SeededGenerator(seed: 1)
        let words = Tensor.normal([1, 9, 9, 16], generator: &generator)
        #expect(withoutGrad { model(words).logits.scalars } == withoutGrad { copy(words).logits.scalars })

        if let torchCheck = try torchLoadCheck(target, keys: model.stateDict().count) {
            #expect(torchCheck == "ok", "torch.load: \(torchCheck)")
        }
    }

    /// Loads the file with `torch.load(weights_only=True)` when python3 and torch are installed
    /// (returns nil otherwise) and checks the number of tensors.
    private func torchLoadCheck(_ url: URL, keys: Int) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys
            try:
                import torch
            except ImportError:
                print("skip"); sys.exit(0)
            state = torch.load(sys.argv[1], weights_only=True)
            print("ok" if len(state) == int(sys.argv[2]) and all(v.dtype == torch.float32 for v in state.values()) else "bad")
            """, url.path, "\(keys)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return output == "skip" || output.isEmpty ? nil : output
    }
}
