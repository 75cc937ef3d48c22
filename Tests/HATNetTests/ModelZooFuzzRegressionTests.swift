import Foundation
import HATNet
import Testing

/// Crafted model-zoo configs found by the `model-config` fuzz harness (RELIABILITY.md).
@Suite struct ModelZooFuzzRegressionTests {
    private func loadingError(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(json.utf8).write(to: url)
        let error = try #require(throws: (any Error).self, sourceLocation: sourceLocation) { try HATNetConfiguration.load(from: url) }
        let message = String(describing: error)
        #expect(message.contains(url.lastPathComponent), "\(message)", sourceLocation: sourceLocation)
        return message
    }

    @Test func wordSizeBeyondIntIsAnErrorNotATrap() throws {
        // The fuzzer's input: Int(2.5e95) trapped.
        let message = try loadingError(#"{"bag_size": 1792, "word_size": 2511111111111111111111111111111111111111111111111111111111111111111111111111111111111111111116, "dropout": 5.4}"#)
        #expect(message.contains("'word_size' must be a whole number"), "\(message)")
    }

    @Test func fractionalAndHugeOptionalIntegersAreErrors() throws {
        let fractional = try loadingError(#"{"bag_size": 1792.5, "word_size": 256}"#)
        #expect(fractional.contains("'bag_size' must be a whole number"), "\(fractional)")
        let heads = try loadingError(#"{"bag_size": 1792, "word_size": 256, "attn_heads": 1e300}"#)
        #expect(heads.contains("'attn_heads' must be a whole number"), "\(heads)")
    }
}
