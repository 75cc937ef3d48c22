/// The stages of a `hatnet demo` run, in the order they happen.
public enum DemoStage: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Generate the synthetic cohort: slides, lesion masks, GeoJSON, labels and split files.
    case synthesize
    /// Fetch (or find in the cache) the EfficientNet-Lite0 ImageNet weights.
    case fetchWeights
    /// Encode every slide's words into the feature cache.
    case extractFeatures
    /// Train the attention network on the cached features.
    case train
    /// Evaluate the best model on the held-out test split.
    case evaluate
    /// Draw the attention on the test slides against their lesion annotations.
    case visualize
    /// Write the self-contained HTML report.
    case report

    /// 1-based position, for "[3/7]" labels.
    public var number: Int { rawValue + 1 }

    public var description: String {
        switch self {
        case .synthesize: return "synthesize slides"
        case .fetchWeights: return "fetch encoder weights"
        case .extractFeatures: return "extract word features"
        case .train: return "train"
        case .evaluate: return "evaluate on the test split"
        case .visualize: return "visualize attention"
        case .report: return "write the report"
        }
    }
}
