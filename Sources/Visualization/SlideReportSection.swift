import Foundation

/// One slide in the HTML report: its diagnosis, where the network looked, and how well that
/// matches the annotations.
public struct SlideReportSection: Sendable {
    /// The slide's name (file or image id).
    public var name: String
    /// The ground-truth class, when known.
    public var trueClass: String?
    /// The predicted class and its probability, when known.
    public var predictedClass: String?
    public var predictedProbability: Double?
    /// Coverage of the annotations by the top bags and words (nil without annotations).
    public var bagCoverage: AnnotationCoverage?
    public var wordCoverage: AnnotationCoverage?
    /// The attention figures, in display order.
    public var images: [EmbeddedImage]

    public init(name: String, trueClass: String? = nil, predictedClass: String? = nil, predictedProbability: Double? = nil,
                bagCoverage: AnnotationCoverage? = nil, wordCoverage: AnnotationCoverage? = nil, images: [EmbeddedImage]) {
        self.name = name
        self.trueClass = trueClass
        self.predictedClass = predictedClass
        self.predictedProbability = predictedProbability
        self.bagCoverage = bagCoverage
        self.wordCoverage = wordCoverage
        self.images = images
    }

    /// A section for a slide written by ``AttentionVisualization/write(to:slidePath:)``: its four
    /// figures embedded with plain-language captions and its coverage figures.
    public init(name: String, visualization: AttentionVisualization, files: AttentionVisualization.Files,
                trueClass: String? = nil, predictedClass: String? = nil, predictedProbability: Double? = nil) throws {
        let percent = String(format: "%.0f%%", visualization.topFraction * 100)
        let annotated = visualization.annotations != nil
        let images = [
            try EmbeddedImage(pngAt: files.topBags.png, caption: "Top \(percent) of bags outlined in blue"
                              + (annotated ? "; annotated lesions outlined in red" : "")),
            try EmbeddedImage(pngAt: files.topWords.png, caption: "Top \(percent) of words in blue"
                              + (annotated ? ", pink where they overlap a lesion; lesions outlined in red" : "")),
            try EmbeddedImage(pngAt: files.wordHeatMap.png, caption: "Word attention (brighter = more attention)"),
            try EmbeddedImage(pngAt: files.bagHeatMap.png, caption: "Bag attention (brighter = more attention)"),
        ]
        self.init(name: name, trueClass: trueClass, predictedClass: predictedClass, predictedProbability: predictedProbability,
                  bagCoverage: visualization.bagCoverage, wordCoverage: visualization.wordCoverage, images: images)
    }
}
