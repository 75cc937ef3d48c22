/// What makes cached features reusable: the encoder and the exact weights it ran with. Features of
/// a different encoder, or of the same encoder with other weights, live under another key.
public struct FeatureCacheKey: Equatable, Codable, Sendable {
    /// The encoder's name, e.g. `efficientnet-lite0`.
    public let encoderName: String
    /// SHA-256 (hex) of the encoder's weight file.
    public let weightsSHA256: String

    public init(encoderName: String, weightsSHA256: String) {
        self.encoderName = encoderName
        self.weightsSHA256 = weightsSHA256.lowercased()
    }

    /// The cache subdirectory: the encoder name made file-safe, then the first 16 hex digits of
    /// the weights' hash, e.g. `efficientnet-lite0-57934424a1b2c3d4`.
    public var directoryName: String {
        let safeName = String(encoderName.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        return "\(safeName)-\(weightsSHA256.prefix(16))"
    }

    enum CodingKeys: String, CodingKey {
        case encoderName = "encoder", weightsSHA256 = "weights_sha256"
    }
}
