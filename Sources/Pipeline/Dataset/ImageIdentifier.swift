/// The rule for image ids (the first field of a split file line): an id names a slide file
/// `<img-dir>/<id>.<extn>` and a feature cache directory `<cache>/<id>/`, so it must stay inside
/// both directories.
///
/// An id is one or more path components separated by `/` (slides in subdirectories, as the
/// reference's `os.path.join(img_dir, id)` allows). No component may be empty, start with `.`
/// (this also excludes `.` and `..`, and hidden names such as the cache's lock files) or be longer
/// than 255 bytes; the first may not be the cache manifest's name; and no character may be a
/// control character (NUL, tab, newline, …) or a backslash. An id therefore never starts with `/`.
public enum ImageIdentifier {
    /// The longest file name component Linux file systems accept (`NAME_MAX`).
    static let maximumComponentBytes = 255

    /// Why `id` is not a usable image id, or `nil` when it is.
    public static func problem(with id: String) -> String? {
        if id.isEmpty { return "the image id is empty" }
        if let scalar = id.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            return "the image id \(quoted(id)) holds the control character U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))"
        }
        if id.contains("\\") { return "the image id \(quoted(id)) holds a backslash; separate directories with /" }
        if id.hasPrefix("/") { return "the image id \(quoted(id)) is an absolute path; ids are relative to --img-dir" }
        let components = id.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty { return "the image id \(quoted(id)) has an empty path component (// or a trailing /)" }
            if component == "." || component == ".." {
                return "the image id \(quoted(id)) has the component \(component), which would leave the slide and cache directories"
            }
            if component.hasPrefix(".") { return "the image id \(quoted(id)) has a component starting with '.' (\(component))" }
            if component.utf8.count > maximumComponentBytes {
                return "the image id \(quoted(id)) has a component longer than \(maximumComponentBytes) bytes"
            }
        }
        if components.first.map(String.init) == FeatureCache.manifestName {
            return "the image id \(quoted(id)) would collide with the feature cache's \(FeatureCache.manifestName)"
        }
        return nil
    }

    private static func quoted(_ id: String) -> String {
        "\"" + String(id.unicodeScalars.prefix(80).map { scalar in
            scalar.properties.generalCategory == .control ? "?" : Character(scalar)
        }) + (id.unicodeScalars.count > 80 ? "…" : "") + "\""
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
