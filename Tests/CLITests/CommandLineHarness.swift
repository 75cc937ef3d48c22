import Foundation
import Testing
import TestSupport

/// Runs the built `hatnet` binary the way a user would and records what it did: exit status, how
/// it ended (exit or signal), stdout, stderr, and the files of its working directory before and
/// after.
struct CommandLineHarness {
    /// The `hatnet` binary under test (``TestSupport/BuiltProduct/hatnet``).
    static var binary: URL { BuiltProduct.hatnet }

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

    typealias Outcome = ChildProcess.Outcome

    /// Runs `hatnet arguments…` in `directory` with a time limit, optionally under an address-space
    /// limit (`ulimit -v`, in KB) through the shell.
    static func run(_ arguments: [String], in directory: URL, timeout: TimeInterval = 120,
                    addressSpaceKB: Int? = nil, environment: [String: String] = [:]) throws -> Outcome {
        if let addressSpaceKB {
            return try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"),
                                        arguments: ["-c", "ulimit -v \(addressSpaceKB) && exec \"$0\" \"$@\"", binary.path] + arguments,
                                        environment: environment, in: directory, timeout: timeout)
        }
        return try ChildProcess.run(binary, arguments: arguments, environment: environment, in: directory, timeout: timeout)
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
