/// What goes wrong in a cohort command, as one sentence naming the option, file or slide.
public enum CohortError: Error, Equatable, CustomStringConvertible {
    /// An option value or environment variable that cannot be used.
    case invalidOption(String)
    /// A manifest, script or directory that cannot be read or written.
    case file(path: String, reason: String)
    /// A scheduler command (`sbatch`, `squeue`, …) that is missing or failed.
    case scheduler(String)
    /// Slides failed; with `--keep-going` after all others were tried.
    case slidesFailed(count: Int, total: Int, manifest: String)

    public var description: String {
        switch self {
        case let .invalidOption(message): return message
        case let .file(path, reason): return "\(path): \(reason)"
        case let .scheduler(message): return message
        case let .slidesFailed(count, total, manifest):
            return "\(count) of \(total) slide(s) failed (errors above and in \(manifest)); run the command again to retry them"
        }
    }
}
