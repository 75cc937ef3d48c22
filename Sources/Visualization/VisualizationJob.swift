import Foundation
import Slides

/// What `hatnet visualize` does for one slide: reads its thumbnail and annotations, places the
/// attention on it, and writes the figures and `attention.json` into the output directory.
public struct VisualizationJob: Sendable {
    /// The slide (any format ``Slides/openSlide(_:)`` reads).
    public var slide: URL
    /// Where the figures and `attention.json` go (created if missing).
    public var outputDirectory: URL
    /// GeoJSON (QuPath export) or label-mask image, if any.
    public var annotations: URL?
    /// The share of bags and words called "top", in (0, 1].
    public var topFraction: Double
    /// The thumbnail's longer side, in pixels.
    public var thumbnailSize: Int

    public init(slide: URL, outputDirectory: URL, annotations: URL? = nil, topFraction: Double = 0.5, thumbnailSize: Int = 1024) {
        self.slide = slide
        self.outputDirectory = outputDirectory
        self.annotations = annotations
        self.topFraction = topFraction
        self.thumbnailSize = thumbnailSize
    }

    /// The files a run writes into the output directory.
    public static let outputFileNames = ["top_bags", "top_words", "word_heatmap", "bag_heatmap"].flatMap { ["\($0).png", "\($0).pdf"] }
        + ["attention.json"]

    /// Runs the job with the attention that `attention` computes or loads for the opened slide.
    public func run(attention: (any SlideSource) throws -> SlideAttention) throws -> (visualization: AttentionVisualization,
                                                                                       files: AttentionVisualization.Files) {
        let source = try openSlide(slide)
        let overview = try SlideOverview(source: source, maxDimension: thumbnailSize)
        let annotations = try self.annotations.map { try SlideAnnotations(contentsOf: $0, raster: overview.raster) }
        let visualization = AttentionVisualization(overview: overview, attention: try attention(source),
                                                   annotations: annotations, topFraction: topFraction)
        return (visualization, try visualization.write(to: outputDirectory, slidePath: slide.path))
    }
}
