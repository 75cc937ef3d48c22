/// A point on a plot page, in points, y downwards.
public struct PlotPoint: Equatable, Sendable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned rectangle on a plot page, in points, origin at its top-left corner.
public struct PlotRectangle: Equatable, Sendable {
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

    public var minX: Double { x }
    public var maxX: Double { x + width }
    public var minY: Double { y }
    public var maxY: Double { y + height }
    public var center: PlotPoint { PlotPoint(x: x + width / 2, y: y + height / 2) }

    /// The rectangle shrunk by `amount` on every side.
    public func insetBy(_ amount: Double) -> PlotRectangle {
        PlotRectangle(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }
}
