import Foundation

/// A file could not be written; names the destination and the reason.
public struct FileWriteError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// The destination path.
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
