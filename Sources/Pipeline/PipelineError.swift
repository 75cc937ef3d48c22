/// Errors of whole-pipeline operations, each naming the file and what is wrong.
public enum PipelineError: Error, CustomStringConvertible {
    case badInput(file: String, reason: String)

    public var description: String {
        switch self {
        case let .badInput(file, reason): return "\(file): \(reason)"
        }
    }
}
