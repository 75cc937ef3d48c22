import Foundation

/// A file that could not be read or written: names the file and says what is wrong, e.g.
/// `predictions.json: y_prob row 17 has 3 probabilities, expected 4`.
public struct FileError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// Path of the offending file.
    public let path: String
    /// What is wrong with it, as a sentence fragment.
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
    public var errorDescription: String? { description }
}
