import Foundation
import Testing

/// Runs the built `hatnet` binary the way a user would and records what it did: exit status, how
/// it ended (exit or signal), stdout, stderr, and the files of its working directory before and
/// after.
struct CommandLineHarness {
    /// The binary `swift build --build-tests` produces next to the tests: the `hatnet` in the
    /// directory of the running test bundle, so a release or sanitizer build (`-c release`,
    /// `--scratch-path .build-asan`) tests its own binary; `.build/debug/hatnet` otherwise.
    static let binary: URL = {
        let testBundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let besideTests = testBundle.deletingLastPathComponent().appendingPathComponent("hatnet")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/hatnet")
    }()

    /// The MobileNetV2 (width 0.5) fixture weights: an encoder that needs no download.
    static let mobileNetV2Weights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference/encoder_mobilenetv2_w0.5.safetensors").path

    /// Runs `hatnet arguments…` in `directory` as a user would, expecting it to succeed (exit 0, no
    /// signal; otherwise the test records the end of its stderr), and returns its stdout.
    static func expectSuccess(_ arguments: [String], in directory: URL, timeout: TimeInterval = 300,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let outcome = try run(arguments, in: directory, timeout: timeout)
        #expect(outcome.status == 0 && !outcome.endedBySignal,
                "hatnet \(arguments.joined(separator: " ")) failed (\(outcome.status)): \(outcome.stderr.suffix(800))",
                sourceLocation: sourceLocation)
        return outcome.stdout
    }

    struct Outcome {
        let status: Int32
        let endedBySignal: Bool
        let timedOut: Bool
        let stdout: String
        let stderr: String
    }

    /// Runs `hatnet arguments…` in `directory` with a time limit, optionally under an address-space
    /// limit (`ulimit -v`, in KB) through the shell.
    static func run(_ arguments: [String], in directory: URL, timeout: TimeInterval = 120,
                    addressSpaceKB: Int? = nil, environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        if let addressSpaceKB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(addressSpaceKB) && exec \"$0\" \"$@\"", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // Read both pipes while the process runs, so a chatty process cannot block on a full pipe.
        let collected = OutputCollector()
        output.fileHandleForReading.readabilityHandler = { collected.append(stdout: $0.availableData) }
        errors.fileHandleForReading.readabilityHandler = { collected.append(stderr: $0.availableData) }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        collected.append(stdout: output.fileHandleForReading.readDataToEndOfFile())
        collected.append(stderr: errors.fileHandleForReading.readDataToEndOfFile())
        return Outcome(status: process.terminationStatus, endedBySignal: process.terminationReason == .uncaughtSignal,
                       timedOut: timedOut, stdout: collected.stdout, stderr: collected.stderr)
    }

    /// Every regular file under `directory` (recursively, hidden ones included) with its bytes.
    static func snapshot(of directory: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return files
        }
        for case let url as URL in enumerator {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            files[relative] = try? Data(contentsOf: url)
        }
        return files
    }

    /// Runs a hostile case and checks the promises: a non-zero exit without a signal or hang, a
    /// message on stderr that names `mentioning`, every file that existed unchanged, and no new
    /// file except under `allowedOutputs` (relative paths or prefixes).
    @discardableResult
    static func expectRefusal(_ arguments: [String], in directory: URL, mentioning fragments: [String],
                              allowedOutputs: [String] = [], addressSpaceKB: Int? = nil, timeout: TimeInterval = 120,
                              environment: [String: String] = [:],
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
        let before = snapshot(of: directory)
        let outcome = try run(arguments, in: directory, timeout: timeout, addressSpaceKB: addressSpaceKB, environment: environment)
        let command = "hatnet " + arguments.joined(separator: " ")
        #expect(!outcome.timedOut, "\(command) did not finish within \(Int(timeout)) s", sourceLocation: sourceLocation)
        #expect(!outcome.endedBySignal, "\(command) was killed by signal \(outcome.status); stderr: \(outcome.stderr.suffix(400))",
                sourceLocation: sourceLocation)
        #expect(outcome.status != 0, "\(command) exited 0; stdout: \(outcome.stdout.suffix(300))", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(outcome.stderr.contains(fragment),
                    "\(command): stderr does not mention \"\(fragment)\": \(outcome.stderr.prefix(600))", sourceLocation: sourceLocation)
        }
        #expect(!outcome.stderr.contains("NSCocoaErrorDomain") && !outcome.stderr.contains("Swift.DecodingError")
                && !outcome.stderr.contains("Fatal error"),
                "\(command): stderr is a dump, not a sentence: \(outcome.stderr.prefix(600))", sourceLocation: sourceLocation)
        let after = snapshot(of: directory)
        for (path, data) in before {
            #expect(after[path] == data, "\(command) changed or removed \(path)", sourceLocation: sourceLocation)
        }
        for path in after.keys where before[path] == nil {
            let allowed = allowedOutputs.contains { path == $0 || path.hasPrefix($0 + "/") }
            #expect(allowed, "\(command) left a new file \(path)", sourceLocation: sourceLocation)
        }
        return outcome
    }
}

/// Thread-safe accumulation of a child's output.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()

    func append(stdout data: Data) { lock.lock(); out.append(data); lock.unlock() }
    func append(stderr data: Data) { lock.lock(); err.append(data); lock.unlock() }
    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
}
