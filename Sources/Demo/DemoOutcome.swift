import Foundation
import Reports
import Visualization

/// What a finished ``DemoRun`` produced: the report, the held-out evaluation, the attention
/// coverage of every test slide, and the time each stage took.
public struct DemoOutcome: Sendable {
    /// Where everything was written.
    public let directory: DemoDirectory
    /// The self-contained HTML report.
    public var report: URL { directory.report }
    /// The test split's metrics, confusion matrix and ROC analysis.
    public let evaluation: EvaluationReport
    /// The files the evaluation wrote (results JSON and CSV, plots, predictions).
    public let evaluationFiles: [URL]
    /// The results JSON among ``evaluationFiles`` (every CMMetrics field).
    public let metricsJSON: URL
    /// The best validation accuracy of training, in percent.
    public let bestValidationAccuracy: Double
    /// Every test slide, in the order of the test split.
    public let slides: [DemoSlideResult]
    /// Seconds per stage.
    public let stageSeconds: [DemoStage: Double]

    /// The top bags' coverage of all test slides' lesions together.
    public var pooledBagCoverage: AnnotationCoverage { AnnotationCoverage(pooling: slides.map(\.bagCoverage)) }
    /// The top words' coverage of all test slides' lesions together.
    public var pooledWordCoverage: AnnotationCoverage { AnnotationCoverage(pooling: slides.map(\.wordCoverage)) }
}
