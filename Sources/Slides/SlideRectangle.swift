/// A rectangle in level-0 slide pixels (fractional, since grid pixels rarely map to whole slide
/// pixels).
public struct SlideRectangle: Sendable, Equatable, CustomStringConvertible {
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
}

extension Array where Element == SlideRectangle {
    /// The rectangles as the `[…, 4]` rows of x, y, width, height that `word_regions` tensors hold.
    public var regionScalars: [Float] {
        flatMap { [Float($0.x), Float($0.y), Float($0.width), Float($0.height)] }
    }
}
