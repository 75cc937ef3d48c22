import Slides

/// A raster that covers a whole slide at reduced resolution (a thumbnail, an annotation mask):
/// pixel (column, row) shows the level-0 area `[column·scaleX, (column+1)·scaleX) ×
/// [row·scaleY, (row+1)·scaleY)`.
///
/// A pixel belongs to a level-0 rectangle when the pixel's centre lies in it (left and top edges
/// inclusive, right and bottom exclusive), so rectangles that tile the slide share out its pixels
/// without overlap.
public struct SlideRaster: Equatable, Sendable {
    /// Raster size in pixels.
    public let width: Int
    public let height: Int
    /// Level-0 size of the slide.
    public let slideWidth: Int
    public let slideHeight: Int

    public init(width: Int, height: Int, slideWidth: Int, slideHeight: Int) {
        precondition(width > 0 && height > 0 && slideWidth > 0 && slideHeight > 0,
                     "SlideRaster: sizes must be positive (raster \(width)×\(height), slide \(slideWidth)×\(slideHeight))")
        self.width = width
        self.height = height
        self.slideWidth = slideWidth
        self.slideHeight = slideHeight
    }

    /// Level-0 pixels per raster pixel along x and y.
    public var scaleX: Double { Double(slideWidth) / Double(width) }
    public var scaleY: Double { Double(slideHeight) / Double(height) }

    /// Level-0 area of one raster pixel, in square level-0 pixels.
    public var pixelArea: Double { scaleX * scaleY }

    /// Where a level-0 point falls on the raster, in (fractional) raster pixels.
    public func rasterPoint(_ point: SlidePoint) -> (x: Double, y: Double) { (point.x / scaleX, point.y / scaleY) }

    /// `value` rounded up to a pixel index clamped to `0...count`; NaN counts as 0 and ±infinity
    /// and values beyond `Int`'s range are clamped (coordinates come from files and may be anything).
    static func pixelIndex(_ value: Double, count: Int) -> Int {
        let rounded = value.rounded(.up)
        guard rounded > 0 else { return 0 }          // also NaN
        guard rounded < Double(count) else { return count }
        return Int(rounded)
    }

    /// The columns and rows of the pixels whose centres lie in `rectangle` (empty ranges for an empty
    /// rectangle or one outside the raster).
    public func pixelRanges(of rectangle: SlideRectangle) -> (columns: Range<Int>, rows: Range<Int>) {
        guard !rectangle.isEmpty else { return (0..<0, 0..<0) }
        func range(start: Double, end: Double, scale: Double, count: Int) -> Range<Int> {
            // Pixel i's centre (i + 0.5)·scale lies in [start, end) ⇔ start/scale − 0.5 ≤ i < end/scale − 0.5.
            let first = Self.pixelIndex(start / scale - 0.5, count: count)
            let last = Self.pixelIndex(end / scale - 0.5, count: count)
            return first..<max(first, last)
        }
        return (range(start: rectangle.x, end: rectangle.x + rectangle.width, scale: scaleX, count: width),
                range(start: rectangle.y, end: rectangle.y + rectangle.height, scale: scaleY, count: height))
    }
}
