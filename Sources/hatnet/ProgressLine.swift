import Foundation

/// A single self-overwriting status line on stderr for long-running commands.
final class ProgressLine {
    private var lastUpdate = Date.distantPast
    private var shown = false

    /// Shows `text` (at most ten times a second, unless `force`).
    func update(_ text: String, force: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastUpdate) >= 0.1 else { return }
        lastUpdate = now
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        shown = true
    }

    /// Ends the line so later output starts on a fresh one.
    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
        shown = false
    }
}
