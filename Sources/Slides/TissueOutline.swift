import Foundation

/// A piece of tissue on the glass: an ellipse whose boundary wobbles with a few harmonics,
/// in level-0 pixels.
struct TissueOutline: Sendable {
    var centerX: Float
    var centerY: Float
    var radiusX: Float
    var radiusY: Float
    var angle: Float
    /// (harmonic, amplitude, phase) of the boundary: radius scale `1 + Σ a·sin(kθ + φ)`.
    var harmonics: [(Float, Float, Float)]

    private var wobble: Float { harmonics.reduce(0) { $0 + abs($1.1) } }

    /// Whether the level-0 point lies inside.
    func contains(x: Float, y: Float) -> Bool {
        let dx = x - centerX, dy = y - centerY
        let u = (dx * cos(angle) + dy * sin(angle)) / radiusX
        let v = (-dx * sin(angle) + dy * cos(angle)) / radiusY
        let distance = (u * u + v * v).squareRoot()
        if distance < 1 - wobble { return true }
        if distance > 1 + wobble { return false }
        let theta = atan2(v, u)
        var boundary: Float = 1
        for (harmonic, amplitude, phase) in harmonics { boundary += amplitude * sin(harmonic * theta + phase) }
        return distance < boundary
    }

    /// Whether the square of half-side `halfSize` around (`x`, `y`) is certainly all inside (`true`),
    /// certainly all outside (`false`), or mixed (`nil`).
    func classifySquare(x: Float, y: Float, halfSize: Float) -> Bool? {
        let distance = ((x - centerX) * (x - centerX) + (y - centerY) * (y - centerY)).squareRoot()
        let reach = halfSize * 1.4143
        if distance - reach > max(radiusX, radiusY) * (1 + wobble) { return false }
        if distance + reach < min(radiusX, radiusY) * (1 - wobble) { return true }
        return nil
    }

    /// The outline as a closed polygon of `vertexCount` points (for annotations).
    func polygon(vertexCount: Int = 64) -> [(Float, Float)] {
        (0...vertexCount).map { index in
            let theta = Float(index % vertexCount) / Float(vertexCount) * 2 * .pi
            var boundary: Float = 1
            for (harmonic, amplitude, phase) in harmonics { boundary += amplitude * sin(harmonic * theta + phase) }
            let u = boundary * cos(theta) * radiusX, v = boundary * sin(theta) * radiusY
            return (centerX + u * cos(angle) - v * sin(angle), centerY + u * sin(angle) + v * cos(angle))
        }
    }
}
