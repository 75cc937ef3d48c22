import FileOutput
import Foundation
import Testing

/// Atomic writes: the destination holds the old or the complete new content, never a partial
/// file, and no temporary files are left behind.
@Suite struct AtomicFileTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-atomic-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() }

    @Test func replacesTheFileAndLeavesNoTemporaries() throws {
        let url = directory.appendingPathComponent("out.txt")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "second")
        #expect(try entries() == ["out.txt"])
    }

    @Test func aFailingProducerLeavesTheOldFile() throws {
        struct Interrupted: Error {}
        let url = directory.appendingPathComponent("keep.txt")
        try AtomicFile.write("original", to: url)
        #expect(throws: Interrupted.self) {
            try AtomicFile.write(to: url) { temporaryPath in
                try Data("half".utf8).write(to: URL(fileURLWithPath: temporaryPath))
                throw Interrupted()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "original")
        #expect(try entries() == ["keep.txt"])
    }

    @Test func aMissingDirectoryNamesTheDestination() {
        let url = directory.appendingPathComponent("no/such/dir/file.txt")
        #expect { try AtomicFile.write("x", to: url) } throws: { error in
            (error as? FileError)?.path == url.path
        }
    }
}
