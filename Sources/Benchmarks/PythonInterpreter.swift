import Foundation

/// The Python the peer benchmarks run: `$HATNET_PYTHON` when set (the pinned environment that
/// `scripts/python-env.sh` prints), else `python3` from `PATH`.
public enum PythonInterpreter {
    /// A process that will run the interpreter with `arguments`; the caller sets its pipes.
    static func process(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Process {
        let process = Process()
        if let pinned = environment["HATNET_PYTHON"], !pinned.isEmpty {
            process.executableURL = URL(fileURLWithPath: pinned)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
        }
        return process
    }

    /// Runs the interpreter with `arguments` to the end: its exit status and what it printed
    /// (standard output and error together).
    static func run(arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Self.process(arguments: arguments)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// How messages name the interpreter: the `$HATNET_PYTHON` path or `python3`.
    public static var displayName: String {
        let pinned = ProcessInfo.processInfo.environment["HATNET_PYTHON"] ?? ""
        return pinned.isEmpty ? "python3" : pinned
    }
}
