import Reports

/// Draws ground-truth annotations as red outlines over a figure whose image area shows the whole
/// slide: polygon rings as vector strokes, or — for annotations read from a label mask — the mask's
/// boundary pixels.
struct AnnotationOutline {
    let annotations: SlideAnnotations
    /// Where the slide is drawn on the page, in points.
    let imageArea: PlotRectangle

    func draw(on canvas: CairoCanvas) {
        let raster = annotations.mask.raster
        let pointsPerPixelX = imageArea.width / Double(raster.width), pointsPerPixelY = imageArea.height / Double(raster.height)
        canvas.withSavedState {
            canvas.setColor(AttentionPalette.annotation)
            if annotations.annotations.isEmpty {
                let boundary = annotations.mask.boundary
                for row in 0..<raster.height {
                    for column in 0..<raster.width where boundary[row * raster.width + column] {
                        canvas.addRectangle(PlotRectangle(x: imageArea.x + Double(column) * pointsPerPixelX,
                                                          y: imageArea.y + Double(row) * pointsPerPixelY,
                                                          width: pointsPerPixelX, height: pointsPerPixelY))
                    }
                }
                canvas.fill()
                return
            }
            canvas.setLineWidth(AttentionPalette.outlineWidth(imageWidth: imageArea.width, imageHeight: imageArea.height))
            canvas.setDash([])
            canvas.setRoundLineEnds(true)
            for ring in annotations.annotations.flatMap(\.polygons).flatMap(\.rings) {
                guard let first = ring.first else { continue }
                func pagePoint(_ point: SlidePoint) -> PlotPoint {
                    let position = raster.rasterPoint(point)
                    return PlotPoint(x: imageArea.x + position.x * pointsPerPixelX, y: imageArea.y + position.y * pointsPerPixelY)
                }
                canvas.move(to: pagePoint(first))
                for point in ring.dropFirst() { canvas.line(to: pagePoint(point)) }
                canvas.closePath()
            }
            canvas.stroke()
        }
    }
}
