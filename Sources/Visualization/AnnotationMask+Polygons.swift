extension AnnotationMask {
    /// Rasterises annotation polygons (level-0 pixels) onto `raster`: a pixel is annotated when its
    /// centre lies inside some polygon by the even-odd rule over that polygon's rings (so holes are
    /// left out whatever their orientation); overlapping polygons are united.
    public init(annotations: [Annotation], raster: SlideRaster) {
        var values = [Bool](repeating: false, count: raster.width * raster.height)
        for polygon in annotations.flatMap(\.polygons) {
            Self.fill(polygon, on: raster, into: &values)
        }
        self.init(raster: raster, values: values)
    }

    /// Scan-line fill of one polygon: on each row, the crossings of the row's centre line with every
    /// ring edge, sorted, bound the inside spans in pairs.
    private static func fill(_ polygon: AnnotationPolygon, on raster: SlideRaster, into values: inout [Bool]) {
        let rings = polygon.rings.map { ring in ring.map(raster.rasterPoint) }
        let allPoints = rings.joined()
        guard let top = allPoints.map(\.y).min(), let bottom = allPoints.map(\.y).max() else { return }
        let firstRow = max(0, Int((top - 0.5).rounded(.up))), lastRow = min(raster.height - 1, Int((bottom - 0.5).rounded(.down)))
        guard firstRow <= lastRow else { return }
        for row in firstRow...lastRow {
            let y = Double(row) + 0.5
            var crossings: [Double] = []
            for ring in rings {
                for index in ring.indices {
                    let start = ring[index], end = ring[(index + 1) % ring.count]
                    // Half-open rule: an edge counts when it spans y with one end at or below and the other above.
                    guard (start.y <= y) != (end.y <= y) else { continue }
                    crossings.append(start.x + (y - start.y) / (end.y - start.y) * (end.x - start.x))
                }
            }
            crossings.sort()
            for pair in stride(from: 0, to: crossings.count - 1, by: 2) {
                // Pixels whose centre column + 0.5 lies in [left, right).
                let first = max(0, Int((crossings[pair] - 0.5).rounded(.up)))
                let last = min(raster.width, Int((crossings[pair + 1] - 0.5).rounded(.up)))
                for column in first..<max(first, last) { values[row * raster.width + column] = true }
            }
        }
    }
}
