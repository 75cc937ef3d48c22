/// One polygon of an annotation, in level-0 slide pixels: an outer ring and any number of holes,
/// as a GeoJSON `Polygon` stores them.
///
/// Rings are stored as read, usually closed (first point repeated last); filling uses the
/// even-odd rule, so a hole is a hole whatever the ring orientation.
public struct AnnotationPolygon: Equatable, Sendable {
    /// The outer boundary.
    public var exterior: [SlidePoint]
    /// Rings cut out of the interior.
    public var holes: [[SlidePoint]]

    public init(exterior: [SlidePoint], holes: [[SlidePoint]] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    /// Every ring, the exterior first.
    public var rings: [[SlidePoint]] { [exterior] + holes }

    /// Area in square level-0 pixels: the exterior's area minus the holes' (shoelace formula).
    public var area: Double { max(0, Self.ringArea(exterior) - holes.map(Self.ringArea).reduce(0, +)) }

    /// Unsigned area enclosed by a ring (closed or not).
    static func ringArea(_ ring: [SlidePoint]) -> Double {
        guard ring.count >= 3 else { return 0 }
        var twiceArea = 0.0
        for index in ring.indices {
            let current = ring[index], next = ring[(index + 1) % ring.count]
            twiceArea += current.x * next.y - next.x * current.y
        }
        return abs(twiceArea) / 2
    }
}
