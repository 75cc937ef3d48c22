/// A filled, optionally rotated ellipse with a colour: the unit the synthetic-slide painter draws
/// (nuclei, duct walls, lumina, fat vacuoles). Coordinates are level-0 pixels.
struct PaintedShape: Sendable {
    var centerX: Float
    var centerY: Float
    var radiusX: Float
    var radiusY: Float
    /// Rotation of the x radius from the x axis, in radians.
    var angle: Float
    /// RGB in [0, 255].
    var color: SIMD3<Float>
    /// Opacity in [0, 1].
    var opacity: Float

    init(centerX: Float, centerY: Float, radiusX: Float, radiusY: Float, angle: Float = 0,
         color: SIMD3<Float>, opacity: Float = 1) {
        self.centerX = centerX
        self.centerY = centerY
        self.radiusX = radiusX
        self.radiusY = radiusY
        self.angle = angle
        self.color = color
        self.opacity = opacity
    }

    /// A circle.
    init(centerX: Float, centerY: Float, radius: Float, color: SIMD3<Float>, opacity: Float = 1) {
        self.init(centerX: centerX, centerY: centerY, radiusX: radius, radiusY: radius, color: color, opacity: opacity)
    }

    /// Half the side of a square around the centre that contains the shape.
    var extent: Float { max(radiusX, radiusY) }
}
