/// Why a training, evaluation or averaging run cannot proceed; each case names the file or option.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    /// A run directory (or a file in it) that cannot be used.
    case badRunDirectory(path: String, reason: String)
    /// The features do not fit the options (width, grid size).
    case incompatibleFeatures(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidOption(message): return message
        case let .badRunDirectory(path, reason): return "\(path): \(reason)"
        case let .incompatibleFeatures(path, reason): return "\(path): \(reason)"
        }
    }
}
