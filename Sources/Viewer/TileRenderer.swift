import Foundation
import Reports
import Slides
import Visualization

/// An overlay drawn over the slide as transparent PNG tiles of the slide's Deep Zoom pyramid.
public enum OverlayLayer: String, CaseIterable, Sendable {
    /// Every word filled with the colour of its score (inferno, from the slide's lowest to highest score).
    case wordAttention = "words"
    /// Every bag filled likewise.
    case bagAttention = "bags"
    /// Outlines of the top share of words.
    case topWords = "topwords"
    /// Outlines of the top share of bags.
    case topBags = "topbags"
    /// Lesion annotations (GeoJSON): translucent fill and outline.
    case annotations

    public var title: String {
        switch self {
        case .wordAttention: return "Word attention"
        case .bagAttention: return "Bag attention"
        case .topWords: return "Top words"
        case .topBags: return "Top bags"
        case .annotations: return "Lesion annotations"
        }
    }
}

/// Cuts Deep Zoom tiles on demand: slide tiles from the best pyramid level (box-reduced by a power of
/// two in strips when that level is much larger, then resized bilinearly to the tile), and overlay
/// tiles drawn from the attention rectangles and annotation polygons of the tile's area.
public enum TileRenderer {
    /// Pixels of slide tile `level`/`column`_`row`; the tile must exist (``DeepZoomGeometry/contains(level:column:row:)``).
    public static func slideTile(_ slide: CatalogSlide, level: Int, column: Int, row: Int) throws -> RGBImage {
        let tile = slide.geometry.tileSource(level: level, column: column, row: row)
        let region = tile.region
        // The largest power of two that still leaves the region at least as large as the tile.
        var factor = 1
        while region.width / (factor * 2) >= tile.tileWidth && region.height / (factor * 2) >= tile.tileHeight { factor *= 2 }
        let reduced: RGBImage
        if factor == 1 {
            reduced = try slide.source.readRegion(level: tile.slideLevel, x: region.x, y: region.y, width: region.width, height: region.height)
        } else {
            reduced = try readReduced(slide.source, level: tile.slideLevel, region: region, factor: factor)
        }
        if reduced.width == tile.tileWidth && reduced.height == tile.tileHeight { return reduced }
        return BilinearResizer(sourceWidth: reduced.width, sourceHeight: reduced.height,
                               destinationWidth: tile.tileWidth, destinationHeight: tile.tileHeight).resize(reduced)
    }

    /// `region` of `level` averaged over `factor × factor` boxes (partial boxes at the right and bottom
    /// edges averaged over the pixels they hold), read in strips of whole boxes of about 4 MB.
    static func readReduced(_ source: any SlideSource, level: Int, region: PixelRectangle, factor: Int) throws -> RGBImage {
        let width = (region.width + factor - 1) / factor, height = (region.height + factor - 1) / factor
        var output = [UInt8](repeating: 0, count: width * height * 3)
        let boxRowsPerStrip = max(1, (4 << 20) / max(1, region.width * 3 * factor))
        var outputRow = 0
        while outputRow < height {
            let rows = min(boxRowsPerStrip, height - outputRow)
            let top = region.y + outputRow * factor
            let sourceRows = min(rows * factor, region.y + region.height - top)
            let strip = try source.readRegion(level: level, x: region.x, y: top, width: region.width, height: sourceRows)
            for boxRow in 0..<rows {
                let firstRow = boxRow * factor, lastRow = min(sourceRows, firstRow + factor)
                for column in 0..<width {
                    let firstColumn = column * factor, lastColumn = min(region.width, firstColumn + factor)
                    var red = 0, green = 0, blue = 0
                    for y in firstRow..<lastRow {
                        var offset = (y * region.width + firstColumn) * 3
                        for _ in firstColumn..<lastColumn {
                            red += Int(strip.pixels[offset]); green += Int(strip.pixels[offset + 1]); blue += Int(strip.pixels[offset + 2])
                            offset += 3
                        }
                    }
                    let count = (lastRow - firstRow) * (lastColumn - firstColumn)
                    let destination = ((outputRow + boxRow) * width + column) * 3
                    output[destination] = UInt8((red + count / 2) / count)
                    output[destination + 1] = UInt8((green + count / 2) / count)
                    output[destination + 2] = UInt8((blue + count / 2) / count)
                }
            }
            outputRow += rows
        }
        return RGBImage(width: width, height: height, pixels: output)
    }

    /// RGBA pixels (straight alpha, row-major) of overlay tile `level`/`column`_`row` of `layer`.
    public static func overlayTile(_ slide: CatalogSlide, layer: OverlayLayer, level: Int, column: Int, row: Int)
        -> (width: Int, height: Int, rgba: [UInt8]) {
        let tile = slide.geometry.tileSource(level: level, column: column, row: row)
        var canvas = OverlayCanvas(width: tile.tileWidth, height: tile.tileHeight, origin: tile.tileOrigin,
                                   downsample: slide.geometry.downsample(level: level))
        switch layer {
        case .wordAttention, .bagAttention:
            guard let attention = slide.attention else { break }
            let regions = layer == .wordAttention ? attention.words : attention.bags
            let range = ViewerAttention.range(regions)
            for region in regions where canvas.intersects(region.rectangle) {
                let position = range.upperBound > range.lowerBound ? (region.score - range.lowerBound) / (range.upperBound - range.lowerBound) : 0.5
                canvas.fill(region.rectangle, color: AttentionPalette.heatMap.color(at: position), alpha: 255)
            }
        case .topWords, .topBags:
            guard let attention = slide.attention else { break }
            let regions = layer == .topWords ? attention.words : attention.bags
            for region in regions where region.isTop && canvas.intersects(region.rectangle) {
                canvas.outline(region.rectangle, color: AttentionPalette.selected, lineWidth: layer == .topBags ? 3 : 2)
            }
        case .annotations:
            for annotation in slide.annotations {
                for polygon in annotation.polygons {
                    canvas.fill(polygon: polygon, color: AttentionPalette.annotation, alpha: 64)
                    for ring in polygon.rings { canvas.stroke(ring: ring, color: AttentionPalette.annotation, lineWidth: 2) }
                }
            }
        }
        return (canvas.width, canvas.height, canvas.rgba)
    }
}

/// A transparent RGBA tile onto which level-0 shapes are drawn; tile pixel (px, py) shows level-0
/// area `[(origin.x + px)·d, (origin.x + px + 1)·d)` (d = the level's downsample) and is covered
/// by a shape when its centre is.
struct OverlayCanvas {
    let width: Int
    let height: Int
    let origin: (x: Int, y: Int)
    let downsample: Double
    var rgba: [UInt8]

    init(width: Int, height: Int, origin: (x: Int, y: Int), downsample: Double) {
        self.width = width
        self.height = height
        self.origin = origin
        self.downsample = downsample
        rgba = [UInt8](repeating: 0, count: width * height * 4)
    }

    /// First tile column whose centre is at or after level-0 x (may lie outside the tile).
    private func column(_ x: Double) -> Int { Int((x / downsample - 0.5).rounded(.up)) - origin.x }
    private func row(_ y: Double) -> Int { Int((y / downsample - 0.5).rounded(.up)) - origin.y }

    func intersects(_ rectangle: SlideRectangle) -> Bool {
        let left = Double(origin.x) * downsample, top = Double(origin.y) * downsample
        let right = left + Double(width) * downsample, bottom = top + Double(height) * downsample
        return rectangle.x < right && rectangle.x + rectangle.width > left && rectangle.y < bottom && rectangle.y + rectangle.height > top
    }

    private mutating func set(_ x: Int, _ y: Int, _ color: PlotColor, _ alpha: UInt8) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let offset = (y * width + x) * 4
        rgba[offset] = UInt8((color.red * 255).rounded())
        rgba[offset + 1] = UInt8((color.green * 255).rounded())
        rgba[offset + 2] = UInt8((color.blue * 255).rounded())
        rgba[offset + 3] = alpha
    }

    private mutating func fillPixels(columns: Range<Int>, rows: Range<Int>, color: PlotColor, alpha: UInt8) {
        let columns = columns.clamped(to: 0..<width), rows = rows.clamped(to: 0..<height)
        for y in rows { for x in columns { set(x, y, color, alpha) } }
    }

    mutating func fill(_ rectangle: SlideRectangle, color: PlotColor, alpha: UInt8) {
        let left = column(rectangle.x), right = column(rectangle.x + rectangle.width)
        let top = row(rectangle.y), bottom = row(rectangle.y + rectangle.height)
        guard left < right, top < bottom else { return }
        fillPixels(columns: left..<right, rows: top..<bottom, color: color, alpha: alpha)
    }

    /// The rectangle's border, `lineWidth` tile pixels wide, inside its covered pixels.
    mutating func outline(_ rectangle: SlideRectangle, color: PlotColor, lineWidth: Int) {
        let left = column(rectangle.x), right = max(left + 1, column(rectangle.x + rectangle.width))
        let top = row(rectangle.y), bottom = max(top + 1, row(rectangle.y + rectangle.height))
        let line = min(lineWidth, max(1, (right - left) / 2), max(1, (bottom - top) / 2))
        fillPixels(columns: left..<right, rows: top..<top + line, color: color, alpha: 255)
        fillPixels(columns: left..<right, rows: bottom - line..<bottom, color: color, alpha: 255)
        fillPixels(columns: left..<left + line, rows: top..<bottom, color: color, alpha: 255)
        fillPixels(columns: right - line..<right, rows: top..<bottom, color: color, alpha: 255)
    }

    /// Even-odd fill of the polygon (holes left empty), by pixel centres, row by row.
    mutating func fill(polygon: AnnotationPolygon, color: PlotColor, alpha: UInt8) {
        let points = polygon.rings.flatMap { $0 }
        guard let minY = points.map(\.y).min(), let maxY = points.map(\.y).max(),
              let minX = points.map(\.x).min(), let maxX = points.map(\.x).max(),
              intersects(SlideRectangle(x: minX, y: minY, width: maxX - minX, height: maxY - minY)) else { return }
        let firstRow = max(0, row(minY)), lastRow = min(height, row(maxY))
        guard firstRow < lastRow else { return }
        for y in firstRow..<lastRow {
            let centre = (Double(origin.y + y) + 0.5) * downsample
            var crossings: [Double] = []
            for ring in polygon.rings where ring.count >= 3 {
                for index in ring.indices {
                    let a = ring[index], b = ring[(index + 1) % ring.count]
                    if (a.y <= centre) != (b.y <= centre) {
                        crossings.append(a.x + (centre - a.y) / (b.y - a.y) * (b.x - a.x))
                    }
                }
            }
            crossings.sort()
            for pair in stride(from: 0, to: crossings.count - 1, by: 2) {
                let left = column(crossings[pair]), right = column(crossings[pair + 1])
                if left < right { fillPixels(columns: left..<right, rows: y..<y + 1, color: color, alpha: alpha) }
            }
        }
    }

    /// The parameter interval of segment a→b inside the box `[minimum, maximumX] × [minimum, maximumY]`
    /// (Liang–Barsky), or nil when it misses the box.
    static func clip(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, minimum: Double, maximumX: Double,
                     maximumY: Double) -> (Double, Double)? {
        var start = 0.0, end = 1.0
        let dx = bx - ax, dy = by - ay
        for (p, q) in [(-dx, ax - minimum), (dx, maximumX - ax), (-dy, ay - minimum), (dy, maximumY - ay)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 { start = max(start, r) } else { end = min(end, r) }
                if start > end { return nil }
            }
        }
        return (start, end)
    }

    /// The closed ring's edges, `lineWidth` tile pixels wide.
    mutating func stroke(ring: [SlidePoint], color: PlotColor, lineWidth: Int) {
        guard ring.count >= 2 else { return }
        let margin = Double(lineWidth)
        for index in ring.indices {
            let a = ring[index], b = ring[(index + 1) % ring.count]
            // In tile pixels.
            let ax = a.x / downsample - Double(origin.x), ay = a.y / downsample - Double(origin.y)
            let bx = b.x / downsample - Double(origin.x), by = b.y / downsample - Double(origin.y)
            if max(ax, bx) < -margin || min(ax, bx) > Double(width) + margin || max(ay, by) < -margin || min(ay, by) > Double(height) + margin { continue }
            // Only the part of the edge inside the tile (plus the line width) is sampled, so an edge
            // crossing a deep-zoom tile costs the tile's size, not the edge's length.
            guard let (start, end) = Self.clip(ax, ay, bx, by, minimum: -margin, maximumX: Double(width) + margin,
                                               maximumY: Double(height) + margin) else { continue }
            let length = max(abs(bx - ax), abs(by - ay)) * (end - start)
            let steps = Int(min(length * 2, 4 * Double(width + height) + 8).rounded(.up))
            for step in 0...max(0, steps) {
                let t = start + (steps == 0 ? 0 : Double(step) / Double(steps)) * (end - start)
                let x = ax + (bx - ax) * t, y = ay + (by - ay) * t
                guard x >= -margin, x < Double(width) + margin, y >= -margin, y < Double(height) + margin else { continue }
                let px = Int(x.rounded(.down)) - lineWidth / 2, py = Int(y.rounded(.down)) - lineWidth / 2
                fillPixels(columns: px..<px + lineWidth, rows: py..<py + lineWidth, color: color, alpha: 255)
            }
        }
    }
}
