import FileOutput
import Foundation
import Testing
import TestSupport

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
        let deadPid = try ChildProcess.run(URL(fileURLWithPath: "/bin/true")).processIdentifier
        let dead = AtomicFile.temporaryFileName(for: "model_best.safetensors", pid: deadPid, nonce: 12345)
        let mine = AtomicFile.temporaryFileName(for: "model_1.safetensors", nonce: 7)
        // The same dead pid on another node sharing the directory may be a live writer there.
        let otherNode = AtomicFile.temporaryFileName(for: "model_2.safetensors", pid: deadPid, nonce: 8, hostTag: "node17+4026531836")
        // Same host name, another pid namespace (a container): its pids are not ours to judge either.
        let otherNamespace = AtomicFile.temporaryFileName(for: "model_3.safetensors", pid: deadPid, nonce: 9,
                                                          hostTag: String(AtomicFile.hostTag.split(separator: "+")[0]) + "+1")
        // An untagged name (an older hatnet, or a name too long for the tag): only age tells.
        let untagged = ".model_4.safetensors.tmp-\(deadPid)-10"
        let ordinary = ".hidden-but-not-temporary"
        let names = [dead, mine, otherNode, otherNamespace, untagged, ordinary, "model_0.safetensors"]
        for name in names { try Data("x".utf8).write(to: directory.appendingPathComponent(name)) }
        #expect(dead.hasSuffix("@" + AtomicFile.hostTag) && AtomicFile.hostTag.contains("+"), "\(dead)")

        #expect(AtomicFile.removeStaleTemporaryFiles(in: directory) == [dead])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == names.filter { $0 != dead }.sorted())

        // A day and an hour later without a write, the other machines' and the untagged files are
        // abandoned; this process's own file stays (it may be being written right now).
        let later = Date().addingTimeInterval(AtomicFile.abandonedAge + 3600)
        #expect(AtomicFile.removeStaleTemporaryFiles(in: directory, now: later) == [otherNode, otherNamespace, untagged].sorted())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [mine, ordinary, "model_0.safetensors"].sorted())
        // Half a day later, nothing of another node counts as abandoned.
        try Data("x".utf8).write(to: directory.appendingPathComponent(otherNode))
        #expect(AtomicFile.removeStaleTemporaryFiles(in: directory, now: Date().addingTimeInterval(AtomicFile.abandonedAge / 2)).isEmpty)
    }

    @Test func temporaryNamesAreRealWritesAndFitTheFileSystem() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The name a real write uses carries this host's tag while the file is being produced.
        var seen = ""
        try AtomicFile.write(to: directory.appendingPathComponent("out.txt")) { path in
            seen = URL(fileURLWithPath: path).lastPathComponent
            try Data("done".utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(seen.hasPrefix(".out.txt.tmp-\(getpid())-") && seen.hasSuffix("@" + AtomicFile.hostTag), "\(seen)")
        // A long file name still gets a temporary name the file system accepts (untagged).
        let long = String(repeating: "a", count: 230)
        try AtomicFile.write(Data("x".utf8), to: directory.appendingPathComponent(long))
        #expect(AtomicFile.temporaryFileName(for: long).utf8.count <= 255)
        #expect(FileManager.default.contents(atPath: directory.appendingPathComponent(long).path) == Data("x".utf8))
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
