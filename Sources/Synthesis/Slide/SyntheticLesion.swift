import Foundation

/// A ground-truth structure of a synthetic slide: a duct or invasive focus, its diagnostic class
/// and its outline (a circle in level-0 pixels).
public struct SyntheticLesion: Sendable, Equatable {
    public let diagnosticClass: DiagnosticClass
    public let centerX: Double
    public let centerY: Double
    public let radius: Double

    /// The outline as a closed polygon (first point repeated last), level-0 pixels.
    public func polygon(vertexCount: Int = 32) -> [(x: Double, y: Double)] {
        (0...vertexCount).map { index in
            let theta = Double(index % vertexCount) / Double(vertexCount) * 2 * Double.pi
            return (centerX + radius * cos(theta), centerY + radius * sin(theta))
        }
    }

    public static func == (lhs: SyntheticLesion, rhs: SyntheticLesion) -> Bool {
        lhs.diagnosticClass == rhs.diagnosticClass && lhs.centerX == rhs.centerX
            && lhs.centerY == rhs.centerY && lhs.radius == rhs.radius
    }
}
