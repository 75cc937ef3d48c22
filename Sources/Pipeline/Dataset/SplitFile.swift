import Foundation

/// One line of a split file: a slide and its diagnostic class.
public struct SplitEntry: Equatable, Sendable {
    /// The image id (file name without directory and extension).
    public let imageID: String
    /// Class index in `0..<classNames.count`.
    public let label: Int
    /// 1-based line number in the split file, for error messages.
    public let lineNumber: Int

    public init(imageID: String, label: Int, lineNumber: Int) {
        self.imageID = imageID
        self.label = label
        self.lineNumber = lineNumber
    }
}

/// A split file in the reference format (`BBWSIDataset` in data_loader/bbwsi_dataset.py): one
/// `image_id,label` line per slide, no header; the slide is `<img-dir>/<image_id>.<img-extn>`.
///
/// The label is a class index (`2`) or, as an extension, a class name (`DCIS`, case-insensitive).
/// Lines may end in `\n`, `\r\n` or `\r` (files saved on Windows), a UTF-8 byte-order mark is
/// ignored, and blank lines are skipped. Image ids must follow ``ImageIdentifier`` (no `..`, no
/// absolute paths, no control characters), so no id can reach outside the slide or cache directory.
/// Unlike the reference, which stops at the first problem, parsing collects every bad line (wrong
/// field count, bad id, unknown label, duplicate id, missing image) and throws them together in one
/// ``DatasetError/malformedSplitFile(path:problems:)``.
public struct SplitFile: Sendable {
    /// Where the split was read from.
    public let url: URL
    /// The slides, in file order.
    public let entries: [SplitEntry]

    /// The split's name as the reference derives it: the file name without `.txt` (`test`).
    public var name: String { url.deletingPathExtension().lastPathComponent }

    /// Class indices, in file order.
    public var labels: [Int] { entries.map(\.label) }

    /// Reads and validates a split file.
    ///
    /// - Parameters:
    ///   - classNames: the diagnostic classes; labels must be indices into (or names from) it.
    ///   - imageDirectory: when given, every `<imageDirectory>/<id>.<imageExtension>` must exist.
    ///   - allowEmpty: whether a file without any slide is acceptable.
    /// - Throws: ``DatasetError`` naming the file and every offending line.
    public init(contentsOf url: URL, classNames: [String], imageDirectory: URL? = nil, imageExtension: String = "tiff",
                allowEmpty: Bool = false) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DatasetError.unreadable(path: url.path, reason: FileManager.default.fileExists(atPath: url.path)
                                          ? "cannot be read" : "does not exist")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw DatasetError.unreadable(path: url.path, reason: "is not UTF-8 text")
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        var entries: [SplitEntry] = [], problems: [String] = []
        var firstLineOfID: [String: Int] = [:]
        // "\r\n" is a single Character in Swift, so it is listed as a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2 else {
                problems.append("line \(lineNumber): expected 'image_id,label', found \(fields.count) field(s): \"\(line)\"")
                continue
            }
            let imageID = fields[0]
            if let problem = ImageIdentifier.problem(with: imageID) {
                problems.append("line \(lineNumber): \(problem)")
                continue
            }
            guard let label = Self.classIndex(of: fields[1], classNames: classNames) else {
                problems.append("line \(lineNumber): unknown label \"\(fields[1])\" for \(imageID) "
                                + "(expected 0…\(classNames.count - 1) or one of \(classNames.joined(separator: ", ")))")
                continue
            }
            if let earlier = firstLineOfID[imageID] {
                problems.append("line \(lineNumber): \(imageID) is listed again (first on line \(earlier))")
                continue
            }
            firstLineOfID[imageID] = lineNumber
            if let imageDirectory {
                let image = imageDirectory.appendingPathComponent("\(imageID).\(imageExtension)")
                if !FileManager.default.fileExists(atPath: image.path) {
                    problems.append("line \(lineNumber): image \(image.path) does not exist")
                    continue
                }
            }
            entries.append(SplitEntry(imageID: imageID, label: label, lineNumber: lineNumber))
        }
        if !problems.isEmpty { throw DatasetError.malformedSplitFile(path: url.path, problems: problems) }
        if entries.isEmpty && !allowEmpty { throw DatasetError.emptySplit(path: url.path) }
        self.url = url
        self.entries = entries
    }

    /// The class index a label field names: an integer in range, or a class name.
    static func classIndex(of field: String, classNames: [String]) -> Int? {
        if let index = Int(field) { return classNames.indices.contains(index) ? index : nil }
        return classNames.firstIndex { $0.caseInsensitiveCompare(field) == .orderedSame }
    }
}
