import Foundation
import TensorKit

/// Draws the histology of each structure as painted shapes (level-0 pixels, about 0.5 µm/px):
/// - benign duct: a round lumen ringed by one or two orderly layers of small, even nuclei;
/// - atypia: a larger duct whose lining is crowded (three or four irregular layers of larger,
///   uneven nuclei) around a small off-centre lumen with a few secondary holes;
/// - DCIS: a duct filled solid with large dark nuclei, sometimes with central necrosis;
/// - invasive: nests and cords of irregular dark nuclei scattered through dense stroma, with no
///   duct boundary.
struct LesionMorphology {
    var generator: SeededGenerator

    static let epithelium = SIMD3<Float>(226, 168, 205)
    static let lumen = SIMD3<Float>(248, 238, 244)
    static let necrosis = SIMD3<Float>(214, 178, 200)
    static let desmoplasia = SIMD3<Float>(200, 105, 160)

    private mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * generator.nextUniform() }

    private mutating func nucleusColor(darkness: Float) -> SIMD3<Float> {
        let base = SIMD3<Float>(88, 52, 140) * (1 - darkness) + SIMD3<Float>(45, 18, 95) * darkness
        return base + SIMD3<Float>(repeating: uniform(-8, 8))
    }

    private mutating func nucleus(x: Float, y: Float, radius: Float, elongation: Float, darkness: Float) -> PaintedShape {
        PaintedShape(centerX: x, centerY: y, radiusX: radius * elongation, radiusY: radius / elongation,
                     angle: uniform(0, .pi), color: nucleusColor(darkness: darkness), opacity: 0.92)
    }

    /// Nuclei evenly spaced on a circle, with optional jitter.
    private mutating func ring(x: Float, y: Float, radius: Float, nucleusRadius: Float, spacing: Float,
                               jitter: Float, sizeSpread: Float, elongation: Float, darkness: Float,
                               into nuclei: inout [PaintedShape]) {
        let count = max(6, Int(2 * .pi * radius / (spacing * nucleusRadius)))
        let offset = uniform(0, 2 * .pi)
        for index in 0..<count {
            let theta = offset + Float(index) / Float(count) * 2 * .pi
            let r = radius + uniform(-jitter, jitter)
            nuclei.append(nucleus(x: x + r * cos(theta) + uniform(-jitter, jitter) * 0.5,
                                  y: y + r * sin(theta) + uniform(-jitter, jitter) * 0.5,
                                  radius: nucleusRadius * uniform(1 - sizeSpread, 1 + sizeSpread),
                                  elongation: uniform(1, elongation), darkness: darkness))
        }
    }

    mutating func benignDuct(x: Float, y: Float, radius: Float, regions: inout [PaintedShape], nuclei: inout [PaintedShape]) {
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius, color: Self.epithelium))
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius * 0.58, color: Self.lumen))
        ring(x: x, y: y, radius: radius * 0.68, nucleusRadius: 4.5, spacing: 2.6, jitter: 0.6, sizeSpread: 0.08,
             elongation: 1.15, darkness: 0.2, into: &nuclei)
        if generator.nextUniform() < 0.6 {
            ring(x: x, y: y, radius: radius * 0.9, nucleusRadius: 3.8, spacing: 3.2, jitter: 0.6, sizeSpread: 0.08,
                 elongation: 1.6, darkness: 0.15, into: &nuclei)
        }
    }

    mutating func atypicalDuct(x: Float, y: Float, radius: Float, regions: inout [PaintedShape], nuclei: inout [PaintedShape]) {
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius, color: Self.epithelium))
        let lumenX = x + uniform(-0.12, 0.12) * radius, lumenY = y + uniform(-0.12, 0.12) * radius
        regions.append(PaintedShape(centerX: lumenX, centerY: lumenY, radiusX: radius * uniform(0.22, 0.32),
                                    radiusY: radius * uniform(0.18, 0.3), angle: uniform(0, .pi), color: Self.lumen))
        for _ in 0..<Int(uniform(2, 5)) {
            let theta = uniform(0, 2 * .pi), distance = radius * uniform(0.45, 0.7)
            regions.append(PaintedShape(centerX: x + distance * cos(theta), centerY: y + distance * sin(theta),
                                        radius: radius * uniform(0.07, 0.12), color: Self.lumen))
        }
        let layers = Int(uniform(3, 5))
        for layer in 0..<layers {
            let fraction = 0.38 + 0.57 * Float(layer) / Float(max(1, layers - 1))
            ring(x: x, y: y, radius: radius * fraction, nucleusRadius: 5.6, spacing: 2.1, jitter: 3, sizeSpread: 0.3,
                 elongation: 1.4, darkness: 0.5, into: &nuclei)
        }
    }

    mutating func dcisDuct(x: Float, y: Float, radius: Float, regions: inout [PaintedShape], nuclei: inout [PaintedShape]) {
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius, color: Self.epithelium))
        let necrosisRadius: Float = generator.nextUniform() < 0.5 ? radius * uniform(0.2, 0.35) : 0
        if necrosisRadius > 0 {
            regions.append(PaintedShape(centerX: x, centerY: y, radius: necrosisRadius, color: Self.necrosis))
        }
        let nucleusRadius: Float = 6.8, spacing = nucleusRadius * 2.05
        var row = 0
        var yy = y - radius
        while yy <= y + radius {
            var xx = x - radius + (row % 2 == 0 ? 0 : spacing / 2)
            while xx <= x + radius {
                let px = xx + uniform(-2, 2), py = yy + uniform(-2, 2)
                let distance = ((px - x) * (px - x) + (py - y) * (py - y)).squareRoot()
                if distance < radius * 0.95 && distance > necrosisRadius + nucleusRadius {
                    nuclei.append(nucleus(x: px, y: py, radius: nucleusRadius * uniform(0.8, 1.2),
                                          elongation: uniform(1, 1.3), darkness: 0.8))
                } else if distance <= necrosisRadius && generator.nextUniform() < 0.25 {
                    nuclei.append(nucleus(x: px, y: py, radius: 1.8, elongation: 1, darkness: 1))
                }
                xx += spacing
            }
            yy += spacing * 0.87
            row += 1
        }
    }

    mutating func invasiveFocus(x: Float, y: Float, radius: Float, regions: inout [PaintedShape], nuclei: inout [PaintedShape]) {
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius, color: Self.desmoplasia, opacity: 0.35))
        let nests = Int(Float.pi * radius * radius / 2200)
        for _ in 0..<nests {
            let theta = uniform(0, 2 * .pi), distance = radius * uniform(0, 1).squareRoot() * 0.95
            let nestX = x + distance * cos(theta), nestY = y + distance * sin(theta)
            if generator.nextUniform() < 0.5 {
                // A cord: nuclei in single file.
                let direction = uniform(0, .pi), count = Int(uniform(3, 8))
                for index in 0..<count {
                    let step = Float(index) * 11
                    nuclei.append(nucleus(x: nestX + step * cos(direction) + uniform(-2, 2),
                                          y: nestY + step * sin(direction) + uniform(-2, 2),
                                          radius: uniform(5, 7.5), elongation: uniform(1.1, 1.7), darkness: 0.85))
                }
            } else {
                // A nest: a tight cluster.
                for _ in 0..<Int(uniform(3, 9)) {
                    nuclei.append(nucleus(x: nestX + uniform(-14, 14), y: nestY + uniform(-14, 14),
                                          radius: uniform(5, 8), elongation: uniform(1.1, 1.8), darkness: 0.85))
                }
            }
        }
    }

    /// A spindle-shaped stromal (fibroblast) nucleus.
    mutating func stromalNucleus(x: Float, y: Float) -> PaintedShape {
        PaintedShape(centerX: x, centerY: y, radiusX: uniform(5, 8), radiusY: uniform(1.6, 2.6), angle: uniform(0, .pi),
                     color: nucleusColor(darkness: 0.3), opacity: 0.75)
    }

    /// A fat vacuole: an empty white cell with a thin pink rim.
    mutating func fatVacuole(x: Float, y: Float, regions: inout [PaintedShape]) {
        let radius = uniform(25, 60)
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius + 2, color: SIMD3<Float>(228, 170, 205)))
        regions.append(PaintedShape(centerX: x, centerY: y, radius: radius, color: SIMD3<Float>(252, 250, 252)))
    }
}
