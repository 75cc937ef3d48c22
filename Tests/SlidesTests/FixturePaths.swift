import Foundation

/// Locations of the shared test fixtures in `Tests/Fixtures`, found from this file's path.
enum FixturePaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func image(_ name: String) -> URL { root.appendingPathComponent("images").appendingPathComponent(name) }
    static func reference(_ name: String) -> URL { root.appendingPathComponent("reference").appendingPathComponent(name) }

    /// A fresh empty directory for one test's files.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hatnet-slides-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
