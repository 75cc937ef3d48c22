import Foundation

/// Runs small Python scripts that cross-check our files with the reference libraries (`torch`,
/// `safetensors`, …) in the pinned environment that `scripts/python-env.sh` creates.
///
/// The interpreter is `$HATNET_PYTHON` (what `make test` passes), else the environment's path computed
/// as the script computes it. These checks never skip: without the interpreter or one of its modules
/// `run` throws an error that fails the test and says how to create the environment.
public enum PythonInterop {
    /// What a script printed (standard output and standard error, interleaved) and how it exited.
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Runs `interpreter -c script arguments…`.
    ///
    /// Throws ``PythonInteropError`` when there is no pinned interpreter or the script stopped on a
    /// missing module; any other failure is returned for the test to report with the output.
    public static func run(script: String, arguments: [String]) throws -> Result {
        let interpreter = try resolvedInterpreter.get()
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(interpreter, arguments: ["-c", script] + arguments, mergingStandardError: true, timeout: scriptTimeout)
        } catch {
            throw PythonInteropError.cannotStart(interpreter.path, "\(error)")
        }
        let output = outcome.stdout + (outcome.timedOut ? "\n(terminated after \(Int(scriptTimeout)) s)" : "")
        let result = Result(status: outcome.timedOut ? -1 : outcome.status, output: output)
        if result.status != 0, let module = missingModule(in: result.output) {
            throw PythonInteropError.missingModule(interpreter.path, module)
        }
        return result
    }

    /// Seconds a script may run: generous (PyTorch references under load), but no hang lasts forever.
    static let scriptTimeout: TimeInterval = 3600

    /// The pinned interpreter's path, for tests that hand it to the `hatnet` binary as `$HATNET_PYTHON`.
    public static func interpreterPath() throws -> String {
        try resolvedInterpreter.get().path
    }

    /// The interpreter every script runs with, found once per test process.
    private static let resolvedInterpreter: Swift.Result<URL, PythonInteropError> = Swift.Result {
        try findInterpreter(environment: ProcessInfo.processInfo.environment)
    }.mapError { $0 as? PythonInteropError ?? .noEnvironment("\($0)") }

    /// `$HATNET_PYTHON` when set, else `<cache>/python-<hash>/bin/python` when its install finished.
    static func findInterpreter(environment: [String: String]) throws -> URL {
        let fileManager = FileManager.default
        if let pinned = environment["HATNET_PYTHON"], !pinned.isEmpty {
            guard fileManager.isExecutableFile(atPath: pinned) else {
                throw PythonInteropError.noEnvironment("HATNET_PYTHON=\(pinned) is not an executable file")
            }
            return URL(fileURLWithPath: pinned)
        }
        let venv = try cachedEnvironment(environment: environment)
        let python = venv.appendingPathComponent("bin/python")
        // scripts/python-env.sh writes this marker only after the install and its import check passed.
        let marker = venv.appendingPathComponent(".hatnet-installed")
        guard fileManager.isExecutableFile(atPath: python.path), fileManager.fileExists(atPath: marker.path) else {
            throw PythonInteropError.noEnvironment("HATNET_PYTHON is not set and \(venv.path) holds no finished install")
        }
        return python
    }

    /// `${HATNET_CACHE:-$HOME/.cache/hatnet}/python-<first 12 hex digits of the requirements' SHA-256>`,
    /// the directory `scripts/python-env.sh` installs into.
    static func cachedEnvironment(environment: [String: String]) throws -> URL {
        let cache: URL
        if let fromEnvironment = environment["HATNET_CACHE"], !fromEnvironment.isEmpty {
            cache = URL(fileURLWithPath: fromEnvironment)
        } else if let home = environment["HOME"], !home.isEmpty {
            cache = URL(fileURLWithPath: home).appendingPathComponent(".cache/hatnet")
        } else {
            cache = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/hatnet")
        }
        let hash = try String(sha256HexDigest(of: requirementsFile).prefix(12))
        return cache.appendingPathComponent("python-\(hash)")
    }

    /// scripts/python-requirements.txt of this checkout (this file is Tests/TestSupport/PythonInterop.swift).
    static var requirementsFile: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/python-requirements.txt")
    }

    /// The digest as `sha256sum` prints it, by `sha256sum` itself, so it is the script's hash exactly.
    private static func sha256HexDigest(of file: URL) throws -> String {
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["sha256sum", file.path])
        } catch {
            throw PythonInteropError.noEnvironment("cannot run sha256sum on \(file.path): \(error)")
        }
        let digest = outcome.stdout.prefix { $0.isHexDigit }
        guard outcome.succeeded, digest.count == 64 else {
            throw PythonInteropError.noEnvironment("sha256sum could not hash \(file.path)")
        }
        return String(digest)
    }

    /// The module named by a `ModuleNotFoundError: No module named 'x'` line, if any.
    static func missingModule(in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix("ModuleNotFoundError: No module named ") {
            return String(line.dropFirst("ModuleNotFoundError: No module named ".count))
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        return nil
    }
}

/// Why a Python cross-check could not run; the description says how to fix it.
public enum PythonInteropError: Error, CustomStringConvertible, Sendable {
    case noEnvironment(String)
    case cannotStart(String, String)
    case missingModule(String, String)

    private static let remedy = "run scripts/python-env.sh (make test does) to create the pinned Python environment, "
        + "or set HATNET_PYTHON to the interpreter it prints"

    public var description: String {
        switch self {
        case .noEnvironment(let reason):
            return "no Python test environment: \(reason); \(Self.remedy)"
        case .cannotStart(let path, let reason):
            return "cannot start the Python test interpreter \(path): \(reason); \(Self.remedy)"
        case .missingModule(let path, let module):
            return "the Python test interpreter \(path) has no module \(module); \(Self.remedy)"
        }
    }
}
