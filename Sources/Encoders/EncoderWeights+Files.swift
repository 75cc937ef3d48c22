import Checkpoints
import Foundation
import TensorKit

extension EncoderWeights {
    /// Reads the float tensors of a weight file: `.safetensors`, a PyTorch zip `.pth` (≥ 1.6) or a
    /// legacy `.pth` (< 1.6), recognised by their first bytes. Integer entries such as BatchNorm's
    /// `num_batches_tracked` are skipped; no architecture needs them.
    public convenience init(contentsOf url: URL) throws {
        let stateDict = try loadStateDict(from: url)
        var tensors = [String: Tensor]()
        for (key, value) in stateDict.entries {
            if case .float(let tensor) = value { tensors[key] = tensor }
        }
        self.init(tensors: tensors, source: url.lastPathComponent)
    }
}
