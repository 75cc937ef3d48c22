import Foundation
import Reports
import Slides

/// A continuous heat map of attention scores (per word or per bag) blended over the slide
/// thumbnail, with a colour bar of the score range on the right.
///
/// Scores are scaled linearly from their minimum (colour-map 0) to their maximum (1) over the
/// regions that show slide (grid padding ignored). The slide occupies ``imageArea`` — one point
/// per thumbnail pixel at the page's top-left, with the slide's aspect ratio — and the colour bar a
/// strip to its right.
public struct AttentionHeatMapFigure: Plot {
    public let overview: SlideOverview
    /// Which region (word or bag) owns each thumbnail pixel.
    public let regions: RegionIndexMap
    /// One score per region.
    public let scores: [Float]
    /// What the scores are, shown beside the colour bar ("word score", "bag score").
    public let scoreName: String

    /// Width of the colour-bar strip, in points.
    static let legendWidth = 90.0

    public init(overview: SlideOverview, regions: RegionIndexMap, scores: [Float], scoreName: String) {
        precondition(regions.raster == overview.raster, "AttentionHeatMapFigure: regions must be on the thumbnail's raster")
        precondition(scores.count == regions.regionCount, "AttentionHeatMapFigure: \(scores.count) scores for \(regions.regionCount) regions")
        self.overview = overview
        self.regions = regions
        self.scores = scores
        self.scoreName = scoreName
    }

    public var imageArea: PlotRectangle {
        PlotRectangle(x: 0, y: 0, width: Double(overview.image.width), height: Double(overview.image.height))
    }
    public var pageWidth: Double { imageArea.width + Self.legendWidth }
    public var pageHeight: Double { max(imageArea.height, 160) }

    /// The lowest and highest score of regions that cover some thumbnail pixel.
    public var scoreRange: ClosedRange<Float> {
        var shown = [Bool](repeating: false, count: scores.count)
        for offset in 0..<regions.raster.width * regions.raster.height {
            let owner = regions.owner(atOffset: offset)
            if owner >= 0 { shown[owner] = true }
        }
        let values = zip(scores, shown).filter { $1 && $0.isFinite }.map(\.0)
        guard let low = values.min(), let high = values.max() else { return 0...0 }
        return low...high
    }

    /// Position of `score` in the colour map: 0 at the range's minimum, 1 at its maximum (0.5 when
    /// all scores are equal).
    public func normalized(_ score: Float, in range: ClosedRange<Float>) -> Double {
        range.upperBound > range.lowerBound ? Double((score - range.lowerBound) / (range.upperBound - range.lowerBound)) : 0.5
    }

    /// The blended image area as RGB pixels.
    public var pixels: [UInt8] {
        let range = scoreRange
        let colors = scores.map { AttentionPalette.heatMap.color(at: normalized($0, in: range)) }
        let opacity = AttentionPalette.heatMapOpacity
        var pixels = overview.image.pixels
        for offset in 0..<regions.raster.width * regions.raster.height {
            let owner = regions.owner(atOffset: offset)
            guard owner >= 0 else { continue }
            let color = colors[owner]
            for (channel, value) in [color.red, color.green, color.blue].enumerated() {
                let base = Double(pixels[offset * 3 + channel])
                pixels[offset * 3 + channel] = UInt8((base * (1 - opacity) + value * 255 * opacity).rounded())
            }
        }
        return pixels
    }

    /// The colour bar's rectangle on the page.
    public var colorBarArea: PlotRectangle {
        let height = min(imageArea.height - 40, 400)
        return PlotRectangle(x: imageArea.maxX + 14, y: (pageHeight - max(height, 100)) / 2, width: 14, height: max(height, 100))
    }

    public func draw(on canvas: CairoCanvas) {
        canvas.fill(PlotRectangle(x: 0, y: 0, width: pageWidth, height: pageHeight), with: .white)
        canvas.drawImage(rgbPixels: pixels, width: overview.image.width, height: overview.image.height, in: imageArea, smooth: false)
        let range = scoreRange
        let ticks = [0.0, 0.5, 1.0].map { position in
            (position: position, label: String(format: "%.3g", Double(range.lowerBound) + position * Double(range.upperBound - range.lowerBound)))
        }
        let bar = colorBarArea
        ColorBar(colorMap: AttentionPalette.heatMap, area: bar, ticks: ticks).draw(on: canvas)
        canvas.setColor(.black)
        canvas.setFont(size: 10, bold: true)
        canvas.drawText(scoreName, at: PlotPoint(x: bar.maxX + ColorBar.labelMargin + 12, y: bar.center.y),
                        horizontal: .center, vertical: .middle, angle: -.pi / 2)
    }
}
