import FileOutput
import Foundation

/// What a cohort command does for one slide, so that ``CohortRun`` can lock, run, record and
/// skip it the same way for `features`, `predict` and `visualize`.
public protocol SlideTask {
    /// `features`, `predict` or `visualize`: recorded in the manifest.
    var command: String { get }
    /// The output directory, where the ``Manifest`` lives; every output file is inside it.
    var directory: URL { get }
    /// Every setting the outputs depend on; a slide done under other settings is done again.
    var settings: [String: String] { get }
    /// Locks the slide for this process (creating what the lock needs); `nil` when another live
    /// process holds it.
    func claim(_ unit: SlideWorkUnit) throws -> DirectoryLock?
    /// The slide's lock file (for messages and ``CohortStatus``).
    func lockFile(for unit: SlideWorkUnit) -> URL
    /// Computes the slide's outputs (each written atomically) while its lock is held.
    /// - Returns: the slide's output files (all of them, also those that were already valid) and
    ///   a note for the manifest, e.g. `2 file(s) computed, 0 cached`.
    func perform(_ unit: SlideWorkUnit) throws -> (files: [URL], note: String)
}

/// Where a process stands in CPU time and bytes read, to charge a slide with the difference.
struct ResourceSnapshot {
    let wall: Date
    let cpuSeconds: Double
    let bytesRead: Int64

    static func now() -> ResourceSnapshot {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return ResourceSnapshot(wall: Date(), cpuSeconds: cpu, bytesRead: readCharacters())
    }

    /// `rchar` of /proc/self/io: bytes this process read through read(2) and pread(2).
    private static func readCharacters() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("rchar:") {
            return Int64(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}
