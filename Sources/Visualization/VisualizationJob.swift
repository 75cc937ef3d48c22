import FileOutput
import Foundation
import Slides

/// What `hatnet visualize` does for one slide: reads its thumbnail and annotations, places the
/// attention on it, and writes the figures and `attention.json` into the output directory, and
/// the overlays to take away (QuPath tiles, overlay TIFF) where asked.
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
    /// Where to write the words as QuPath tile objects (``QuPathTiles``), if anywhere.
    public var qupathFile: URL?
    /// Where to write the word attention as a pyramidal RGBA TIFF (``WordAttentionOverlay``), if anywhere.
    public var overlayTIFF: URL?

    public init(slide: URL, outputDirectory: URL, annotations: URL? = nil, topFraction: Double = 0.5, thumbnailSize: Int = 1024,
                qupathFile: URL? = nil, overlayTIFF: URL? = nil) {
        self.qupathFile = qupathFile
        self.overlayTIFF = overlayTIFF
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
    /// `overlayProgress(tileRowsDone, tileRowsTotal)` follows the overlay TIFF.
    public func run(attention: (any SlideSource) throws -> SlideAttention,
                    overlayProgress: (_ rowsDone: Int, _ rowsTotal: Int) -> Void = { _, _ in })
        throws -> (visualization: AttentionVisualization, files: AttentionVisualization.Files) {
        let source = try openSlide(slide)
        let overview = try SlideOverview(source: source, maxDimension: thumbnailSize)
        let annotations = try self.annotations.map { try SlideAnnotations(contentsOf: $0, raster: overview.raster) }
        let visualization = AttentionVisualization(overview: overview, attention: try attention(source),
                                                   annotations: annotations, topFraction: topFraction)
        // The overlays are checked (finite scores, sizes) before anything is written.
        let overlay = try overlayTIFF.map { try WordAttentionOverlay(attention: visualization.attention, destination: $0) }
        let tiles = try qupathFile.map { ($0, try QuPathTiles.json(for: visualization, destination: $0)) }
        var files = try visualization.write(to: outputDirectory, slidePath: slide.path)
        if let (url, document) = tiles {
            try AtomicFile.write(document.serialized(), to: url)
            files.qupath = url
        }
        if let overlay, let overlayTIFF {
            try overlay.write(to: overlayTIFF, slidePath: slide.path, progress: overlayProgress)
            files.overlayTIFF = overlayTIFF
        }
        return (visualization, files)
    }
}
