import Foundation

/// Locates the shared reference fixtures in `Tests/Fixtures/reference` (copied from the
/// reference PyTorch run; see that directory's provenance in shared/fixtures/README.md).
enum ReferenceFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // CheckpointsTests
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures/reference", isDirectory: true)

    /// The fixture file called `name`.
    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Every fixture whose name ends in `.extension`, sorted by name.
    static func files(withExtension fileExtension: String) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == fileExtension }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

/// A fresh temporary directory for files a test writes; removed by `cleanUp()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hatnet-checkpoints-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `bytes` to a file called `name` and returns its URL.
    func write(_ bytes: [UInt8], to name: String) throws -> URL {
        let destination = file(name)
        try Data(bytes).write(to: destination)
        return destination
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
