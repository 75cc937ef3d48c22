import Foundation

/// A program run by a test: arguments, added environment, working directory and standard input,
/// with its standard output and standard error read while it runs, each by its own thread, so a
/// child that fills one pipe while the test waits on the other can never deadlock.
///
/// ``run(_:arguments:environment:in:input:mergingStandardError:timeout:)`` runs a program to its
/// end (terminated at the time limit); ``start(_:arguments:environment:in:input:mergingStandardError:)``
/// leaves it running (a server) for ``waitForStandardOutput(timeout:until:)`` and ``finish(timeout:)``.
/// The one place the test targets start processes.
public final class ChildProcess: @unchecked Sendable {
    /// How a run ended and what it printed.
    public struct Outcome: Sendable {
        /// The exit status, or the signal number when ``endedBySignal``.
        public let status: Int32
        public let endedBySignal: Bool
        /// Whether the time limit ended it (it was then terminated).
        public let timedOut: Bool
        public let standardOutputData: Data
        public let standardErrorData: Data
        public let processIdentifier: Int32

        public var stdout: String { String(decoding: standardOutputData, as: UTF8.self) }
        /// Standard error (empty when it was merged into standard output).
        public var stderr: String { String(decoding: standardErrorData, as: UTF8.self) }
        /// Exit status 0, not by a signal, within the time limit.
        public var succeeded: Bool { status == 0 && !endedBySignal && !timedOut }
    }

    /// Seconds a terminated child gets before SIGKILL, and that its pipes may stay open after it
    /// ended (a grandchild holding them) before the test goes on with what was read.
    static let gracePeriod: TimeInterval = 5

    private let process = Process()
    private let exited = DispatchSemaphore(value: 0)
    private let condition = NSCondition()
    private var output = Data(), errors = Data()
    private var openStreams = 0
    private var timedOut = false

    /// Starts `executable` with `arguments`; `environment` is added to this process's. Without
    /// `input` the child's standard input is `/dev/null`; with `mergingStandardError` both streams
    /// go to ``Outcome/stdout``, interleaved as written.
    public static func start(_ executable: URL, arguments: [String] = [], environment: [String: String] = [:],
                             in directory: URL? = nil, input: Data? = nil, mergingStandardError: Bool = false) throws -> ChildProcess {
        let child = ChildProcess()
        try child.launch(executable, arguments: arguments, environment: environment, directory: directory, input: input,
                         merging: mergingStandardError)
        return child
    }

    /// Runs `executable` to its end, terminating it after `timeout` seconds (see ``start(_:arguments:environment:in:input:mergingStandardError:)``).
    public static func run(_ executable: URL, arguments: [String] = [], environment: [String: String] = [:],
                           in directory: URL? = nil, input: Data? = nil, mergingStandardError: Bool = false,
                           timeout: TimeInterval = 120) throws -> Outcome {
        try start(executable, arguments: arguments, environment: environment, in: directory, input: input,
                  mergingStandardError: mergingStandardError).finish(timeout: timeout)
    }

    private init() {}

    private func launch(_ executable: URL, arguments: [String], environment: [String: String], directory: URL?,
                        input: Data?, merging: Bool) throws {
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        let outputPipe = Pipe(), errorPipe = merging ? outputPipe : Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let inputPipe = input.map { _ in Pipe() }
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        // A child that exits before reading all its input must fail the write, not kill the tests.
        if input != nil { signal(SIGPIPE, SIG_IGN) }
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
        read(outputPipe.fileHandleForReading) { $0.output.append($1) }
        if !merging { read(errorPipe.fileHandleForReading) { $0.errors.append($1) } }
        if let input, let inputPipe {
            // Written by its own thread: a child that prints before it reads must not block us.
            Thread.detachNewThread {
                let writer = inputPipe.fileHandleForWriting
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
        }
    }

    /// Reads `handle` on its own thread until end of file, appending each chunk under the lock.
    private func read(_ handle: FileHandle, into append: @escaping (ChildProcess, Data) -> Void) {
        condition.lock()
        openStreams += 1
        condition.unlock()
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty { openStreams -= 1 } else { append(self, chunk) }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Standard output read so far.
    public var standardOutputSoFar: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: output, as: UTF8.self)
    }

    /// Standard error read so far.
    public var standardErrorSoFar: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: errors, as: UTF8.self)
    }

    /// Waits until `until` holds for the standard output read so far (true), or the time limit
    /// passes or the output ends first (false).
    public func waitForStandardOutput(timeout: TimeInterval, until: (String) -> Bool) -> Bool {
        waitFor(\.output, timeout: timeout, until: until)
    }

    /// Waits until `until` holds for the standard error read so far, as ``waitForStandardOutput(timeout:until:)``.
    public func waitForStandardError(timeout: TimeInterval, until: (String) -> Bool) -> Bool {
        waitFor(\.errors, timeout: timeout, until: until)
    }

    private func waitFor(_ stream: KeyPath<ChildProcess, Data>, timeout: TimeInterval, until: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if until(String(decoding: self[keyPath: stream], as: UTF8.self)) { return true }
            if openStreams == 0 || !condition.wait(until: deadline) { return until(String(decoding: self[keyPath: stream], as: UTF8.self)) }
        }
    }

    /// Asks the child to stop (SIGTERM).
    public func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// Waits for the child to end, terminating it after `timeout` seconds (and killing it if it
    /// ignores that), then for its pipes to close, and returns how it ended with all it printed.
    public func finish(timeout: TimeInterval) -> Outcome {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            terminate()
            if exited.wait(timeout: .now() + Self.gracePeriod) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        exited.signal()  // later calls return at once
        process.waitUntilExit()
        condition.lock()
        let pipesDeadline = Date().addingTimeInterval(Self.gracePeriod)
        while openStreams > 0 && condition.wait(until: pipesDeadline) {}
        let outcome = Outcome(status: process.terminationStatus, endedBySignal: process.terminationReason == .uncaughtSignal,
                              timedOut: timedOut, standardOutputData: output, standardErrorData: errors,
                              processIdentifier: process.processIdentifier)
        condition.unlock()
        return outcome
    }

    // Runs only once the reader threads are done (they hold the instance until the pipes close),
    // so an owner of a child from `start` that may still run must call `terminate()` or `finish`.
    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
