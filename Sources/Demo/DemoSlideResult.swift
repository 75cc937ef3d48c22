import Foundation
import Visualization

/// One held-out slide of the demo: its true and predicted class, where the network looked, and how
/// much of its annotated lesions the top bags and words cover.
public struct DemoSlideResult: Sendable {
    public let imageID: String
    public let trueClass: String
    public let predictedClass: String
    /// The predicted class's probability.
    public let probability: Double
    /// Coverage of the lesion annotations by the top bags and top words.
    public let bagCoverage: AnnotationCoverage
    public let wordCoverage: AnnotationCoverage
    /// The attention figures and attention.json written for the slide.
    public let files: [URL]
}
