import Foundation

/// A piece of tissue on the glass: an ellipse whose boundary wobbles with a few harmonics,
/// in level-0 pixels.
struct TissueOutline: Sendable {
    let centerX: Float
    let centerY: Float
    let radiusX: Float
    let radiusY: Float
    let angle: Float
    /// (harmonic, amplitude, phase) of the boundary: radius scale `1 + Σ a·sin(kθ + φ)`.
    let harmonics: [(Float, Float, Float)]
    private let cosine: Float
    private let sine: Float
    private let wobble: Float
    /// The boundary scale sampled at evenly spaced "diamond angles" (see `diamondAngle`), which
    /// avoids `atan2` and `sin` per pixel.
    private let boundaryTable: [Float]
    private static let tableSize = 4096

    init(centerX: Float, centerY: Float, radiusX: Float, radiusY: Float, angle: Float, harmonics: [(Float, Float, Float)]) {
        self.centerX = centerX
        self.centerY = centerY
        self.radiusX = radiusX
        self.radiusY = radiusY
        self.angle = angle
        self.harmonics = harmonics
        cosine = cos(angle)
        sine = sin(angle)
        wobble = harmonics.reduce(0) { $0 + abs($1.1) }
        boundaryTable = (0..<TissueOutline.tableSize).map { index in
            // Invert the diamond angle d ∈ [0, 4) to a direction (u, v), then to θ.
            let d = (Float(index) + 0.5) / Float(TissueOutline.tableSize) * 4
            let (u, v): (Float, Float)
            switch d {
            case ..<1: (u, v) = (1 - d, d)
            case ..<2: (u, v) = (1 - d, 2 - d)
            case ..<3: (u, v) = (d - 3, 2 - d)
            default: (u, v) = (d - 3, d - 4)
            }
            let theta = atan2(v, u)
            return harmonics.reduce(Float(1)) { $0 + $1.1 * sin($1.0 * theta + $1.2) }
        }
    }

    /// A monotonic stand-in for the angle of (u, v), in [0, 4), cheap to compute.
    private static func diamondAngle(u: Float, v: Float) -> Float {
        let ratio = u / (abs(u) + abs(v))
        return v >= 0 ? 1 - ratio : 3 + ratio
    }

    /// Whether the level-0 point lies inside.
    func contains(x: Float, y: Float) -> Bool {
        let dx = x - centerX, dy = y - centerY
        let u = (dx * cosine + dy * sine) / radiusX
        let v = (-dx * sine + dy * cosine) / radiusY
        let squared = u * u + v * v
        if squared < (1 - wobble) * (1 - wobble) { return true }
        if squared > (1 + wobble) * (1 + wobble) { return false }
        let index = min(TissueOutline.tableSize - 1, Int(TissueOutline.diamondAngle(u: u, v: v) / 4 * Float(TissueOutline.tableSize)))
        let boundary = boundaryTable[index]
        return squared < boundary * boundary
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
