/// The width and depth tables of ESPNetv2 (HATNet's model/feature_extractors/espnetv2_config.py,
/// taken from EdgeNets).
enum ESPNetv2Configuration {
    /// Output channels of level 1 … level 5 and of the final 1×1 expansion, per scale `s`.
    static let channelsByScale: [Double: [Int]] = [
        0.5: [16, 32, 64, 128, 256, 1024],
        1.0: [32, 64, 128, 256, 512, 1024],
        1.25: [32, 80, 160, 320, 640, 1024],
        1.5: [32, 96, 192, 384, 768, 1024],
        2.0: [32, 128, 256, 512, 1024, 1280],
    ]
    /// EESP blocks after the down-sampler of levels 3, 4 and 5.
    static let repeatsAtLevels3To5 = [3, 7, 3]
    /// Largest receptive field (kernel size of the equivalent dense 3×3·dilation) at levels 1 … 5.
    static let receptiveFieldLimits = [13, 11, 9, 7, 5]
    /// Parallel branches `K` of every EESP block (also the groups of its 1×1 convolutions).
    static let branchCount = 4
    /// Channels of the input image fed to the input-reinforcement path.
    static let imageChannels = 3

    /// Dilation rates of the `K` depthwise branches for receptive-field limit `limit`: kernel sizes
    /// 3, 5, 7, 9 (branch `i` is `3 + 2i`), those above the limit replaced by 3, sorted ascending,
    /// each realised as a 3×3 kernel with dilation `(size − 1) / 2`.
    static func dilations(receptiveFieldLimit limit: Int, branches: Int = branchCount) -> [Int] {
        (0..<branches).map { 3 + 2 * $0 }.map { $0 <= limit ? $0 : 3 }.sorted().map { ($0 - 1) / 2 }
    }
}
