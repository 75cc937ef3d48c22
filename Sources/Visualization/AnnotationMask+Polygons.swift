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
        // Rows whose centre lies in [top, bottom]: first = ⌈top − 0.5⌉, last = ⌊bottom − 0.5⌋ = ⌈bottom + 0.5⌉ − 1 (clamped,
        // since coordinates from a file may be huge).
        let firstRow = SlideRaster.pixelIndex(top - 0.5, count: raster.height)
        let lastRow = SlideRaster.pixelIndex((bottom - 0.5).rounded(.down) + 1, count: raster.height) - 1
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
                let first = SlideRaster.pixelIndex(crossings[pair] - 0.5, count: raster.width)
                let last = SlideRaster.pixelIndex(crossings[pair + 1] - 0.5, count: raster.width)
                for column in first..<max(first, last) { values[row * raster.width + column] = true }
            }
        }
    }
}
