import Foundation
import Testing

/// Loads the reference fixtures copied to Tests/Fixtures/reference (see shared/fixtures/README.md).
enum ReferenceFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    /// metrics_n240_k4.json: 240 cases of 4 classes with sklearn's confusion matrix, the reference
    /// `CMMetrics` fields and the ROC AUCs.
    static let metricsURL = directory.appendingPathComponent("metrics_n240_k4.json")

    /// The fixture as a JSON dictionary.
    static func metrics() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: metricsURL))
        return try #require(object as? [String: Any])
    }
}
