import Checkpoints
import Foundation
import TensorKit

extension EncoderWeights {
    /// Reads every float tensor of a `.safetensors` file (integer entries such as BatchNorm's
    /// `num_batches_tracked` are skipped; no architecture needs them).
    public convenience init(contentsOf url: URL) throws {
        let file = try SafeTensorsFile(url: url)
        var tensors = [String: Tensor]()
        for entry in file.entries where !entry.dataType.isInteger {
            tensors[entry.name] = try file.tensor(named: entry.name)
        }
        self.init(tensors: tensors, source: url.lastPathComponent)
    }
}
