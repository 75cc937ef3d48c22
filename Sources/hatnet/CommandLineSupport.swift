import ArgumentParser
import FileOutput
import Foundation
import Slides
import TensorKit

/// Prints a warning on stderr (never on stdout, which carries results).
func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}

/// Runs a check of the library, which is the authority for its types' rules, and rethrows its
/// error as a ``ValidationError`` with the library's message (after `context`, when given).
func libraryRule<Result>(_ context: String? = nil, _ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch {
        throw ValidationError(context.map { "\($0): \(error)" } ?? "\(error)")
    }
}

/// Runs `body` with an output directory claimed for this process: created, locked (a second
/// hatnet writing there is refused, naming the holder) and cleared of temporary files that killed
/// runs left. If `body` fails in a directory this call created and nothing but the lock file was
/// written, the directory is removed again, so a refused command leaves no trace.
func withOutputDirectory<Result>(_ path: String, purpose: String, _ body: () throws -> Result) throws -> Result {
    let directory = URL(fileURLWithPath: path, isDirectory: true)
    let existed = FileManager.default.fileExists(atPath: directory.path)
    let lock = try DirectoryLock.acquire(directory: directory, purpose: purpose)
    AtomicFile.removeStaleTemporaryFiles(in: directory)
    do {
        let result = try body()
        lock.release()
        return result
    } catch {
        lock.release()
        if !existed, (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) == [DirectoryLock.fileName] {
            try? FileManager.default.removeItem(at: directory)
        }
        throw error
    }
}

/// Refuses an output file that is one of `inputs`, that exists unless `overwrite` (`--overwrite`),
/// or whose directory is missing or not writable, before the work starts
/// (``requireOutput(_:option:distinctFrom:)``, then ``OutputGuard/requireWritable(output:option:overwrite:)``).
func requireNewOutput(_ output: String, option: String, distinctFrom inputs: [(path: String, option: String)], overwrite: Bool) throws {
    try requireOutput(output, option: option, distinctFrom: inputs)
    try libraryRule { try OutputGuard.requireWritable(output: output, option: option, overwrite: overwrite) }
}

/// Removes temporary files killed runs left next to a single output file.
func removeStaleTemporaryFiles(nextTo output: String) {
    AtomicFile.removeStaleTemporaryFiles(in: URL(fileURLWithPath: output).deletingLastPathComponent())
}

/// Refuses `output` when it is one of `inputs` (see ``OutputGuard``), as a ``ValidationError``.
func requireOutput(_ output: String, option: String, distinctFrom inputs: [(path: String, option: String)]) throws {
    do {
        try OutputGuard.requireDistinct(output: output, option: option, from: inputs)
    } catch let error as FileError {
        throw ValidationError(error.description)
    }
}

/// Arguments every command understands, applied before parsing: `--max-memory SIZE`, negative
/// numbers given to options (`--bag -64`), which the parser would otherwise take for an option and
/// report as a missing value instead of the real problem, and empty values (`--out ''`), which no
/// option or path takes: an empty path would otherwise name the current directory.
enum GlobalArguments {
    static func apply(_ arguments: [String]) throws -> [String] {
        var result: [String] = [], index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            try refuseEmpty(argument, after: index > 0 ? arguments[index - 1] : nil)
            if argument == "--max-memory" || argument.hasPrefix("--max-memory=") {
                let value: String
                if argument == "--max-memory" {
                    guard index + 1 < arguments.count else { throw ValidationError("--max-memory needs a size, e.g. 8G") }
                    value = arguments[index + 1]
                    index += 2
                } else {
                    value = String(argument.dropFirst("--max-memory=".count))
                    index += 1
                }
                guard let bytes = MemoryBudget.parse(value) else {
                    throw ValidationError("--max-memory must be a positive size such as 512M, 8G or 1.5T, got \"\(value)\"")
                }
                MemoryBudget.setLimit(bytes: bytes)
                continue
            }
            if argument.hasPrefix("--"), !argument.contains("="), index + 1 < arguments.count, looksNegative(arguments[index + 1]) {
                result.append("\(argument)=\(arguments[index + 1])")
                index += 2
                continue
            }
            result.append(argument)
            index += 1
        }
        return result
    }

    /// Throws for `""` (naming the option it was given to, if any) and for `--option=`.
    private static func refuseEmpty(_ argument: String, after previous: String?) throws {
        if argument.isEmpty {
            if let previous, previous.hasPrefix("-"), !previous.contains("=") {
                throw ValidationError("\(previous): the value is empty; give a path or a value")
            }
            throw ValidationError("an argument is empty (\"\"); give a path or a value")
        }
        if argument.hasPrefix("--"), argument.hasSuffix("="), argument.count > 3 {
            throw ValidationError("\(argument.dropLast()): the value is empty; give a path or a value")
        }
    }

    /// `-64`, `-1.5`, `-1e-3`, `-inf`, `-nan`: a value, not an option.
    private static func looksNegative(_ text: String) -> Bool {
        guard text.hasPrefix("-"), text.count > 1 else { return false }
        let body = text.dropFirst().lowercased()
        if body == "inf" || body == "infinity" || body == "nan" { return true }
        return body.first.map { $0.isNumber || $0 == "." } ?? false
    }
}

/// Errors from run() shown as one readable line: Foundation's file errors (`NSCocoaErrorDomain`
/// dumps otherwise) get their path and reason; our errors already describe themselves.
enum CommandFailure: Error, CustomStringConvertible {
    case message(String)

    var description: String {
        switch self { case let .message(text): return text }
    }

    static func presentable(_ error: Error) -> Error {
        // Only Foundation's own errors are rewritten; ours and the argument parser's pass through.
        guard error is CocoaError || type(of: error) is NSError.Type else { return error }
        let nsError = error as NSError
        guard nsError.domain == NSCocoaErrorDomain || nsError.domain == NSPOSIXErrorDomain else { return error }
        let path = (nsError.userInfo[NSFilePathErrorKey] as? String)
            ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path
        let reason: String
        switch nsError.code {
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: reason = "no such file or directory"
        case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue: reason = "permission denied"
        case CocoaError.fileWriteOutOfSpace.rawValue: reason = "no space left on the device"
        case CocoaError.fileWriteFileExists.rawValue: reason = "a file of that name exists"
        default: reason = (nsError.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? nsError.localizedDescription
        }
        return CommandFailure.message(path.map { "\($0): \(reason)" } ?? reason)
    }
}
