import Checkpoints
import Foundation
import HATNet
import TestSupport
import Testing
@testable import Pipeline
import TensorKit

/// `hatnet export --to pth`: our .pth reader and PyTorch (pinned test environment) read back what we wrote.
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

        let torchCheck = try torchLoadCheck(target, keys: model.stateDict().count)
        #expect(torchCheck.status == 0 && torchCheck.output == "ok\n", "torch.load: \(torchCheck.output)")
    }

    /// PyTorch reads from the exported .pth exactly the tensors of the safetensors it was exported
    /// from: same names, dtypes, shapes and values (the maximum absolute difference is printed).
    @Test func torchLoadOfTheExportEqualsTheSafetensorsSource() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let model = HATNetModel(configuration: HATNetConfiguration(cnnFeatures: 24, outFeatures: 40, numBagsWords: 4), seed: 11)
        let source = directory.file("model_best.safetensors"), target = directory.file("model_best.pth")
        try RunDirectory.writeStateDict(model.stateDict(), to: source)
        #expect(try ModelExport.exportPyTorch(from: source, to: target) == model.stateDict().count)
        let script = """
            import sys, torch
            from safetensors.torch import load_file
            exported = torch.load(sys.argv[1], weights_only=True)
            source = load_file(sys.argv[2])
            assert set(exported) == set(source), sorted(set(exported) ^ set(source))
            worst, worst_key, differing = 0.0, None, []
            for key, expected in source.items():
                actual = exported[key]
                assert actual.dtype == expected.dtype == torch.float32, (key, actual.dtype, expected.dtype)
                assert actual.shape == expected.shape, (key, list(actual.shape), list(expected.shape))
                assert actual.is_contiguous(), key
                difference = (actual - expected).abs().max().item() if actual.numel() else 0.0
                if worst_key is None or difference > worst:
                    worst, worst_key = difference, key
                if not torch.equal(actual.view(torch.int32), expected.view(torch.int32)):
                    differing.append(key)
            print(len(source), "tensors, max abs diff", worst, "at", worst_key)
            if differing:
                sys.exit("not bitwise equal: " + ", ".join(differing))
            """
        let result = try PythonInterop.run(script: script, arguments: [target.path, source.path])
        print("torch.load(\(target.lastPathComponent)) vs \(source.lastPathComponent): \(result.output)", terminator: "")
        #expect(result.status == 0, "torch.load / safetensors comparison failed: \(result.output)")
        #expect(result.output.hasPrefix("\(model.stateDict().count) tensors, max abs diff 0.0 at "), "\(result.output)")
    }

    /// Loads the file with `torch.load(weights_only=True)` in the pinned test environment and
    /// checks the number of tensors and their dtype: prints `ok` or what differs.
    private func torchLoadCheck(_ url: URL, keys: Int) throws -> PythonInterop.Result {
        try PythonInterop.run(script: """
            import sys, torch
            state = torch.load(sys.argv[1], weights_only=True)
            dtypes = sorted({str(v.dtype) for v in state.values()})
            print("ok" if len(state) == int(sys.argv[2]) and dtypes == ["torch.float32"] else f"{len(state)} tensors of {dtypes}")
            """, arguments: [url.path, "\(keys)"])
    }
}
