import Reports
import Slides

/// The paper's duct figure: the slide thumbnail with the top-scoring bags outlined in blue and,
/// when given, the ground-truth annotations outlined in red.
///
/// The page is the thumbnail itself (a ``SlideFigure``), so the image has the slide's aspect ratio.
public struct TopBagsFigure: SlideFigure {
    public let overview: SlideOverview
    /// Each bag's rectangle in level-0 pixels.
    public let bagRegions: [SlideRectangle]
    /// Which bags are outlined.
    public let selected: [Bool]
    public let annotations: SlideAnnotations?

    public init(overview: SlideOverview, bagRegions: [SlideRectangle], selected: [Bool], annotations: SlideAnnotations?) {
        precondition(bagRegions.count == selected.count, "TopBagsFigure: \(selected.count) flags for \(bagRegions.count) bags")
        self.overview = overview
        self.bagRegions = bagRegions
        self.selected = selected
        self.annotations = annotations
    }

    public var raster: SlideRaster { overview.raster }

    public func draw(on canvas: CairoCanvas) {
        let image = overview.image
        canvas.drawImage(rgbPixels: image.pixels, width: image.width, height: image.height, in: imageArea)
        let lineWidth = AttentionPalette.outlineWidth(imageWidth: pageWidth, imageHeight: pageHeight)
        canvas.withSavedState {
            canvas.setColor(AttentionPalette.selected)
            canvas.setLineWidth(lineWidth)
            canvas.setDash([])
            canvas.setRoundLineEnds(false)
            for (region, isSelected) in zip(bagRegions, selected) where isSelected && !region.isEmpty {
                // Outline drawn just inside the bag, so it never strays onto a neighbour.
                let outline = PlotRectangle(x: region.x / raster.scaleX, y: region.y / raster.scaleY,
                                            width: region.width / raster.scaleX, height: region.height / raster.scaleY)
                canvas.addRectangle(outline.insetBy(lineWidth / 2))
            }
            canvas.stroke()
        }
        if let annotations { AnnotationOutline(annotations: annotations, imageArea: imageArea).draw(on: canvas) }
    }
}
