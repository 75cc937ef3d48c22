import Foundation
import Reports

/// Everything `hatnet visualize` shows for one slide: the top share of bags and words, their
/// coverage of the annotations, the figures and `attention.json`.
///
/// Words are ranked across the whole slide by their score (HATNet's word energies are comparable
/// between bags: both are norms of the same projected features divided by the feature size).
public struct AttentionVisualization: Sendable {
    public let overview: SlideOverview
    public let attention: SlideAttention
    public let annotations: SlideAnnotations?
    /// The share of bags and of words selected as "top", in (0, 1].
    public let topFraction: Double

    public let bagRanking: ScoreRanking
    public let wordRanking: ScoreRanking
    /// Bag and word ownership of the thumbnail's pixels.
    public let bagMap: RegionIndexMap
    public let wordMap: RegionIndexMap

    /// - Precondition: `topFraction` in (0, 1]; annotations, if any, on the overview's raster.
    public init(overview: SlideOverview, attention: SlideAttention, annotations: SlideAnnotations?, topFraction: Double) {
        precondition(topFraction > 0 && topFraction <= 1, "AttentionVisualization: top fraction \(topFraction) outside (0, 1]")
        precondition(overview.slideWidth == attention.slideWidth && overview.slideHeight == attention.slideHeight,
                     "AttentionVisualization: thumbnail of a \(overview.slideWidth)×\(overview.slideHeight) slide, attention "
                     + "for \(attention.slideWidth)×\(attention.slideHeight)")
        precondition(annotations.map { $0.mask.raster == overview.raster } ?? true,
                     "AttentionVisualization: annotations must be rasterised on the thumbnail's raster")
        self.overview = overview
        self.attention = attention
        self.annotations = annotations
        self.topFraction = topFraction
        bagRanking = ScoreRanking(scores: attention.bagScores)
        wordRanking = ScoreRanking(scores: attention.wordScores)
        bagMap = RegionIndexMap(raster: overview.raster, regions: attention.bagRegions)
        wordMap = RegionIndexMap(raster: overview.raster, regions: attention.wordRegions)
    }

    public var topBags: [Bool] { bagRanking.isTop(fraction: topFraction) }
    public var topWords: [Bool] { wordRanking.isTop(fraction: topFraction) }

    /// Coverage of the annotations by the top bags (nil without annotations).
    public var bagCoverage: AnnotationCoverage? {
        annotations.map { AnnotationCoverage(mask: $0.mask, regions: bagMap, selected: topBags) }
    }

    /// Coverage of the annotations by the top words (nil without annotations).
    public var wordCoverage: AnnotationCoverage? {
        annotations.map { AnnotationCoverage(mask: $0.mask, regions: wordMap, selected: topWords) }
    }

    public var topBagsFigure: TopBagsFigure {
        TopBagsFigure(overview: overview, bagRegions: attention.bagRegions, selected: topBags, annotations: annotations)
    }
    public var topWordsFigure: TopWordsFigure { TopWordsFigure(words: wordMap, selected: topWords, annotations: annotations) }
    public var wordHeatMap: AttentionHeatMapFigure {
        AttentionHeatMapFigure(overview: overview, regions: wordMap, scores: attention.wordScores, scoreName: "word score")
    }
    public var bagHeatMap: AttentionHeatMapFigure {
        AttentionHeatMapFigure(overview: overview, regions: bagMap, scores: attention.bagScores, scoreName: "bag score")
    }

    /// The files ``write(to:slidePath:)`` produces.
    public struct Files: Sendable {
        /// `top_bags.png` / `.pdf`: the duct figure.
        public let topBags: (pdf: URL, png: URL)
        /// `top_words.png` / `.pdf`: the stroma figure.
        public let topWords: (pdf: URL, png: URL)
        /// `word_heatmap.png` / `.pdf` and `bag_heatmap.png` / `.pdf`.
        public let wordHeatMap: (pdf: URL, png: URL)
        public let bagHeatMap: (pdf: URL, png: URL)
        /// `attention.json`.
        public let json: URL
        /// The QuPath tile GeoJSON (``QuPathTiles``) and the overlay TIFF (``WordAttentionOverlay``),
        /// when asked for.
        public var qupath: URL?
        public var overlayTIFF: URL?

        public var all: [URL] {
            [topBags.png, topBags.pdf, topWords.png, topWords.pdf, wordHeatMap.png, wordHeatMap.pdf,
             bagHeatMap.png, bagHeatMap.pdf, json] + [qupath, overlayTIFF].compactMap { $0 }
        }
    }

    /// Writes the four figures (PNG at one pixel per thumbnail pixel, and PDF) and `attention.json`
    /// into `directory` (created if missing), each file atomically.
    /// - Throws: ``ReportFileError`` naming the file or directory that could not be written.
    public func write(to directory: URL, slidePath: String) throws -> Files {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ReportFileError(path: directory.path, problem: "cannot create the output directory (\(error.localizedDescription))")
        }
        let files = Files(
            topBags: try topBagsFigure.write(to: directory.appendingPathComponent("top_bags"), pixelsPerPoint: 1),
            topWords: try topWordsFigure.write(to: directory.appendingPathComponent("top_words"), pixelsPerPoint: 1),
            wordHeatMap: try wordHeatMap.write(to: directory.appendingPathComponent("word_heatmap"), pixelsPerPoint: 1),
            bagHeatMap: try bagHeatMap.write(to: directory.appendingPathComponent("bag_heatmap"), pixelsPerPoint: 1),
            json: directory.appendingPathComponent("attention.json"))
        try AttentionDocument.write(self, slidePath: slidePath, to: files.json)
        return files
    }
}
