/// A rectangle in level-0 slide pixels (fractional, since grid pixels rarely map to whole slide
/// pixels). The one type for places on a slide; `PixelRectangle` (whole pixels of a grid or an
/// image) and Reports' `PlotRectangle` (points on a figure) are other coordinate spaces.
public struct SlideRectangle: Sendable, Equatable, Codable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// True when the rectangle covers no area (a word that lies entirely on padding).
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public var description: String { "(\(x), \(y), \(width)×\(height))" }

    /// The smallest rectangle holding all of `rectangles` (empty for none).
    public static func boundingBox<Rectangles: Collection>(of rectangles: Rectangles) -> SlideRectangle where Rectangles.Element == SlideRectangle {
        guard let first = rectangles.first else { return SlideRectangle(x: 0, y: 0, width: 0, height: 0) }
        var left = first.x, top = first.y, right = first.x + first.width, bottom = first.y + first.height
        for rectangle in rectangles.dropFirst() {
            left = min(left, rectangle.x)
            top = min(top, rectangle.y)
            right = max(right, rectangle.x + rectangle.width)
            bottom = max(bottom, rectangle.y + rectangle.height)
        }
        return SlideRectangle(x: left, y: top, width: right - left, height: bottom - top)
    }
}

extension Array where Element == SlideRectangle {
    /// The rectangles as the `[…, 4]` rows of x, y, width, height that `word_regions` tensors hold.
    public var regionScalars: [Float] {
        flatMap { [Float($0.x), Float($0.y), Float($0.width), Float($0.height)] }
    }
}
