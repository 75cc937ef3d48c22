import Reports

/// A figure whose page is exactly a slide raster (one point per raster pixel, the slide's aspect
/// ratio): write it with `pixelsPerPoint: 1` for a PNG of the raster's size.
public protocol SlideFigure: Plot {
    /// The raster the page shows.
    var raster: SlideRaster { get }
}

extension SlideFigure {
    public var pageWidth: Double { Double(raster.width) }
    public var pageHeight: Double { Double(raster.height) }
    /// Where the slide is drawn: the whole page.
    public var imageArea: PlotRectangle { PlotRectangle(x: 0, y: 0, width: pageWidth, height: pageHeight) }
}
