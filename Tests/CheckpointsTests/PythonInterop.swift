import Foundation

/// Runs small Python scripts for optional cross-checks against the reference libraries
/// (`safetensors`, `torch`). Tests that use it print why they skip when Python or the module is
/// missing, instead of failing.
enum PythonInterop {
    /// Why `module` cannot be imported by `python3`, or `nil` when it can.
    private static func unavailabilityReason(module: String) -> String? {
        guard let result = run(script: "import \(module)", arguments: []) else {
            return "python3 is not installed"
        }
        return result.status == 0 ? nil : "python3 cannot import \(module)"
    }

    /// Runs `script` when `module` imports; otherwise prints why `test` is skipped and returns `nil`.
    static func runIfAvailable(module: String, test: String = #function, script: String,
                               arguments: [String]) -> (status: Int32, output: String)? {
        if let reason = unavailabilityReason(module: module) {
            print("skipping \(test): \(reason)")
            return nil
        }
        return run(script: script, arguments: arguments)
    }

    /// Runs `python3 -c script arguments…`; `nil` when python3 cannot be started.
    static func run(script: String, arguments: [String]) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
