import Foundation
import Testing
import Checkpoints
import TensorKit

/// Locates the shared reference fixtures (Tests/Fixtures/reference) from this source file.
enum ReferenceFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func open(_ name: String) throws -> SafeTensorsFile { try SafeTensorsFile(url: url(name)) }
}
