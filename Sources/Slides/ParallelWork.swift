import Foundation

/// How many threads parallel loops in this module use.
enum ParallelWork {
    /// Active processor cores (at least 1).
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
}
