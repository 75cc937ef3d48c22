import Slides

/// Where a slide is annotated (lesion) on a ``SlideRaster``: one flag per raster pixel, true
/// inside an annotation.
public struct AnnotationMask: Sendable {
    public let raster: SlideRaster
    /// Row-major flags, `raster.width * raster.height` of them.
    public let values: [Bool]

    public init(raster: SlideRaster, values: [Bool]) {
        precondition(values.count == raster.width * raster.height,
                     "AnnotationMask: \(values.count) values for a \(raster.width)×\(raster.height) raster")
        self.raster = raster
        self.values = values
    }

    /// Whether pixel (`x`, `y`) is annotated.
    public subscript(x: Int, y: Int) -> Bool { values[y * raster.width + x] }

    /// Number of annotated pixels.
    public var annotatedPixelCount: Int { values.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Annotated area in square level-0 pixels (at the raster's resolution).
    public var annotatedArea: Double { Double(annotatedPixelCount) * raster.pixelArea }

    /// Number of annotated pixels whose centres lie in `rectangle` (level-0 pixels).
    public func annotatedPixelCount(in rectangle: SlideRectangle) -> Int {
        let (columns, rows) = raster.pixelRanges(of: rectangle)
        var count = 0
        for row in rows {
            for column in columns where values[row * raster.width + column] { count += 1 }
        }
        return count
    }

    /// Annotated pixels that have a non-annotated (or off-raster) 4-neighbour: the outline drawn
    /// when annotations come from a label mask rather than polygons.
    public var boundary: [Bool] {
        let width = raster.width, height = raster.height
        var boundary = [Bool](repeating: false, count: values.count)
        for row in 0..<height {
            for column in 0..<width where values[row * width + column] {
                let outside = column == 0 || row == 0 || column == width - 1 || row == height - 1
                boundary[row * width + column] = outside || !values[row * width + column - 1] || !values[row * width + column + 1]
                    || !values[(row - 1) * width + column] || !values[(row + 1) * width + column]
            }
        }
        return boundary
    }
}
