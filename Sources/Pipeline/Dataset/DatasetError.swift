/// What is wrong with a data set: each case names the file and the problem.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// The split file is missing, unreadable or not text.
    case unreadable(path: String, reason: String)
    /// Every offending line of a split file (bad fields, unknown labels, duplicates, missing images).
    case malformedSplitFile(path: String, problems: [String])
    /// The split file lists no slide.
    case emptySplit(path: String)
    /// A class without any training slide, so its weight log(1/frequency) is undefined.
    case classWithoutSlides(path: String, className: String)
    /// Slides of a split whose features are not in the cache (run `hatnet features` first).
    case missingFeatures(path: String, cache: String, imageIDs: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): \(reason)"
        case let .malformedSplitFile(path, problems):
            return "\(path): \(problems.count) bad line(s):\n  " + problems.joined(separator: "\n  ")
        case let .emptySplit(path):
            return "\(path): the split lists no slide (expected lines 'image_id,label')"
        case let .classWithoutSlides(path, className):
            return "\(path): no training slide has class \(className), so its class weight log(1/frequency) is undefined"
        case let .missingFeatures(path, cache, imageIDs):
            let shown = imageIDs.prefix(10).joined(separator: ", ") + (imageIDs.count > 10 ? ", …" : "")
            return "\(path): \(imageIDs.count) slide(s) have no cached features in \(cache) (\(shown)); run `hatnet features` first"
        }
    }
}
