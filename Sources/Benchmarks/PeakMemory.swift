import Foundation

/// The process's peak resident set size (Linux `VmHWM`), which can be reset so that one phase of a
/// benchmark is measured on its own.
public enum PeakMemory {
    /// Resets the peak to the current resident size (writes 5 to /proc/self/clear_refs).
    /// Returns false where the kernel does not allow it.
    @discardableResult
    public static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }

    /// Peak resident set size in bytes since the start or the last ``reset()``.
    public static func peakBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
