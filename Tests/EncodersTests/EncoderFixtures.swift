import Checkpoints
import Encoders
import Foundation
import Testing
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

/// The parity rule, element-wise: `|a − b| ≤ 1e-4 + 1e-3·max|b|`; prints the largest
/// difference either way so a drift is visible before it fails.
func expectMatchesReference(_ actual: Tensor, _ expected: Tensor, _ label: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs reference \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let largest = expected.scalars.map(abs).max() ?? 0
    let tolerance = 1e-4 + 1e-3 * largest
    let worst = actual.largestAbsoluteDifference(from: expected)
    print("\(label): max |a − b| = \(worst.difference) at flat index \(worst.index), tolerance \(tolerance) (max |b| = \(largest))")
    #expect(worst.difference <= tolerance, "\(label): max |a − b| = \(worst.difference) at flat index \(worst.index) exceeds \(tolerance)",
            sourceLocation: sourceLocation)
}
