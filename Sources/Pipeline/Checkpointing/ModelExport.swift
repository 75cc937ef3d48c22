import Checkpoints
import Foundation

/// Converts our safetensors state dicts into the `.pth` files the reference loads with
/// `model.load_state_dict(torch.load(path))` (main_evaluation.py's `--weights-test`).
public enum ModelExport {
    /// Reads `input` (safetensors or `.pth`) and writes its tensors, keys and order unchanged, as a
    /// `torch.save`-compatible `.pth` at `output` (atomically).
    /// - Returns: the number of tensors written.
    @discardableResult
    public static func exportPyTorch(from input: URL, to output: URL) throws -> Int {
        let state = try loadStateDict(from: input)
        for case let (key, .float(tensor)) in state.entries {
            try tensor.requireFinite("\(input.path): tensor '\(key)'")   // a model file with NaN is never written
        }
        guard !state.isEmpty else {
            throw TrainingError.badRunDirectory(path: input.path, reason: "holds no tensors to export")
        }
        try PyTorchCheckpoint.write(state, to: output)
        return state.count
    }
}
