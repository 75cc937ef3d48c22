import Foundation

/// One slide's share of a cohort command: the unit that is locked, computed, recorded in the
/// ``Manifest`` and skipped on a re-run once done. `id` names it in the manifest and in messages
/// (the split file's image id for `features`, the file name without extension for `predict` and
/// `visualize`); `file` is the slide to read.
public struct SlideWorkUnit: Equatable, Sendable {
    public let id: String
    public let file: URL

    public init(id: String, file: URL) {
        self.id = id
        self.file = file
    }
}
