/// A point in level-0 slide pixels: x to the right, y downwards, origin at the slide's top-left
/// corner (QuPath's and OpenSlide's convention).
public struct SlidePoint: Equatable, Sendable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}
