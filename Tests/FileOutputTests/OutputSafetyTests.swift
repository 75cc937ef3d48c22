import FileOutput
import Foundation
import Testing

/// OutputGuard (an output is never one of the inputs), DirectoryLock (one writer per directory)
/// and the clean-up of temporary files killed processes left.
@Suite struct OutputSafetyTests {
    private func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func outputEqualToAnInputIsRefusedWhateverItsSpelling() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("slide.png")
        try Data("x".utf8).write(to: input)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent("link.png"), withDestinationURL: input)
        try FileManager.default.linkItem(at: input, to: directory.appendingPathComponent("hard.png"))
        for spelling in ["slide.png", "sub/../slide.png", "./slide.png", "link.png", "hard.png"] {
            let output = directory.appendingPathComponent(spelling).path
            #expect(throws: FileError.self, "\(spelling)") {
                try OutputGuard.requireDistinct(output: output, option: "--output", from: [(input.path, "FILE")])
            }
        }
        try OutputGuard.requireDistinct(output: directory.appendingPathComponent("other.png").path, option: "--output",
                                        from: [(input.path, "FILE")])
        try OutputGuard.requireDistinct(output: directory.appendingPathComponent("new/dir/out.png").path, option: "--output",
                                        from: [(input.path, "FILE")])
    }

    @Test func aSecondWriterIsRefusedAndNamesTheHolder() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try DirectoryLock.acquire(directory: directory, purpose: "hatnet test")
        // flock locks belong to the open file description, so a second open in this process
        // conflicts exactly as another process would.
        do {
            _ = try DirectoryLock.acquire(directory: directory, purpose: "second")
            Issue.record("the second lock was granted")
        } catch let error as FileError {
            #expect(error.description.contains("pid \(getpid())") && error.description.contains("hatnet test"), "\(error)")
        }
        #expect(DirectoryLock.isHeld(file: first.url))
        first.release()
        #expect(!DirectoryLock.isHeld(file: first.url))
        let again = try DirectoryLock.acquire(directory: directory, purpose: "third")
        again.release()
    }

    @Test func temporaryFilesOfDeadProcessesAreRemovedOthersKept() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A child that has exited: its pid is free (reuse within the test is practically impossible).
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = ".model_best.safetensors.tmp-\(child.processIdentifier)-12345"
        let mine = ".model_1.safetensors.tmp-\(getpid())-7"
        let ordinary = ".hidden-but-not-temporary"
        for name in [dead, mine, ordinary, "model_0.safetensors"] {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        let removed = AtomicFile.removeStaleTemporaryFiles(in: directory)
        #expect(removed == [dead])
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == [mine, ordinary, "model_0.safetensors"].sorted())
    }

    @Test func decodingProblemsNameTheField() throws {
        struct Counts: Decodable { let bags: Int; let names: [String] }
        func problem(_ json: String) -> String {
            do { _ = try JSONDecoder().decode(Counts.self, from: Data(json.utf8)); return "decoded" } catch {
                return JSONProblem.describe(error, data: Data(json.utf8))
            }
        }
        #expect(problem(#"{"names":[]}"#).contains("'bags' is missing"))
        #expect(problem(#"{"bags":"three","names":[]}"#).contains("'bags' must be a whole number"))
        #expect(problem(#"{"bags":3,"names":[1]}"#).contains("names[0]"))
        #expect(!problem(#"{"bags":3.5,"names":[]}"#).contains("not valid JSON"))
        #expect(problem("{").contains("not valid JSON"))
        #expect(JSONProblem.exactInteger(3) == 3 && JSONProblem.exactInteger(3.5) == nil && JSONProblem.exactInteger(1e300) == nil
                && JSONProblem.exactInteger(.nan) == nil)
    }
}
