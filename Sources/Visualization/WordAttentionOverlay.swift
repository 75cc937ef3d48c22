import Foundation
import Reports
import Slides

/// The word attention as a tiled, pyramidal RGBA TIFF with the slide's level-0 size, for viewers
/// that lay an image over the slide (OpenSlide-based viewers, QuPath, ASAP).
///
/// Each word that shows slide is filled with the heat-map colour of its score (``AttentionPalette/heatMap``,
/// the figures' palette; scores scaled linearly from the lowest shown word's score at 0 to the
/// highest's at 1, 0.5 when all are equal) at full opacity; everything else — grid padding, the
/// slide outside the grid — is transparent (alpha 0), so the viewer's own opacity control blends
/// it. Where word rectangles overlap the later word shows (as in the figures).
///
/// Streamed: tiles are drawn from the word rectangles at each level (``Slides/RectangleOverlay``)
/// while ``Slides/PyramidalTIFFWriter`` writes them, so memory stays in the tens of megabytes at
/// any slide size.
public struct WordAttentionOverlay: Sendable {
    public let attention: SlideAttention
    /// Lowest and highest score of the words that show slide.
    public let scoreRange: ClosedRange<Float>
    let overlay: RectangleOverlay

    /// Largest level-0 side the TIFF can describe.
    public static let maximumSide = 1 << 31

    /// - Throws: ``ReportFileError`` naming `destination` when the slide size is out of range or a
    ///   shown word's score is not finite.
    public init(attention: SlideAttention, destination: URL) throws {
        guard (1...Self.maximumSide).contains(attention.slideWidth), (1...Self.maximumSide).contains(attention.slideHeight) else {
            throw ReportFileError(path: destination.path, problem: "cannot hold a \(attention.slideWidth)×\(attention.slideHeight) "
                                  + "overlay (each side must be 1 to \(Self.maximumSide) pixels)")
        }
        let slideWidth = Double(attention.slideWidth), slideHeight = Double(attention.slideHeight)
        var shown: [Int] = []
        for (index, region) in attention.wordRegions.enumerated() where !region.isEmpty {
            guard region.x < slideWidth, region.y < slideHeight, region.x + region.width > 0, region.y + region.height > 0 else { continue }
            guard attention.wordScores[index].isFinite else {
                throw ReportFileError(path: destination.path, problem: "word \(index % attention.wordsPerBag) of bag "
                                      + "\(index / attention.wordsPerBag) has a non-finite score (\(attention.wordScores[index]))")
            }
            shown.append(index)
        }
        let scores = shown.map { attention.wordScores[$0] }
        let range = (scores.min() ?? 0)...(scores.max() ?? 0)
        self.attention = attention
        self.scoreRange = range
        overlay = RectangleOverlay(width: attention.slideWidth, height: attention.slideHeight,
                                   rectangles: shown.map { (attention.wordRegions[$0], Self.color(of: attention.wordScores[$0], in: range)) })
    }

    /// The opaque heat-map colour of `score` on a scale from `range`'s bounds.
    public static func color(of score: Float, in range: ClosedRange<Float>) -> RGBAPixel {
        let position = range.upperBound > range.lowerBound
            ? Double((score - range.lowerBound) / (range.upperBound - range.lowerBound)) : 0.5
        let color = AttentionPalette.heatMap.color(at: position)
        func byte(_ component: Double) -> UInt8 { UInt8(min(max(component * 255, 0), 255).rounded()) }
        return RGBAPixel(red: byte(color.red), green: byte(color.green), blue: byte(color.blue), alpha: 255)
    }

    /// Writes the pyramid to `url` atomically. `progress(rowsDone, rowsTotal)` follows the
    /// 256-pixel tile rows of all levels.
    /// - Throws: ``Slides/SlideError`` naming `url` when it cannot be written.
    public func write(to url: URL, slidePath: String, progress: (_ rowsDone: Int, _ rowsTotal: Int) -> Void = { _, _ in }) throws {
        let tile = PyramidalTIFFWriter.tileSize
        let rows = PyramidalTIFFWriter.levelSizes(width: attention.slideWidth, height: attention.slideHeight)
            .map { ($0.height + tile - 1) / tile }
        let rowsTotal = rows.reduce(0, +)
        let rowsBefore = rows.indices.map { rows[..<$0].reduce(0, +) }
        var writer = PyramidalTIFFWriter(description: "hatnet word attention overlay of \(slidePath); "
                                         + "score range \(scoreRange.lowerBound) to \(scoreRange.upperBound)")
        writer.software = "hatnet visualize"
        let overlay = self.overlay
        try writer.writeRGBA(to: url, width: attention.slideWidth, height: attention.slideHeight,
                             renderTile: { level, rectangle in overlay.tile(level: level, rectangle: rectangle) },
                             progress: { level, done, total in progress(rowsBefore[level] + rows[level] * done / max(total, 1), rowsTotal) })
    }
}
