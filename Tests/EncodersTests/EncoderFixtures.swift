import Checkpoints
import Encoders
import Foundation
import Testing
import TestSupport
import TensorKit

/// The reference fixtures in Tests/Fixtures/reference (see shared/fixtures/README.md): PyTorch
/// state dicts of each backbone and the `input` / `features` (/ `logits`) they produce.
enum EncoderFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// `input`, `features` and, when present, `logits` of `encoder_<name>_io.safetensors`.
    static func io(_ name: String) throws -> (input: Tensor, features: Tensor, logits: Tensor?) {
        let file = try SafeTensorsFile(url: url("encoder_\(name)_io.safetensors"))
        return (try file.tensor(named: "input"), try file.tensor(named: "features"),
                file.contains("logits") ? try file.tensor(named: "logits") : nil)
    }
}

extension Tolerance {
    /// The parity rule for encoder outputs, element-wise: `|a − b| ≤ 1e-4 + 1e-3·max|b|`.
    static let encoderParity = Tolerance(absolute: 1e-4, relative: 1e-3, relativeTo: .largestExpected)
}
