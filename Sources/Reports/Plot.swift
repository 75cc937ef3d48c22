import Foundation
import FileOutput

/// A figure that draws itself on a ``CairoCanvas`` of a fixed page size and can be saved as a
/// vector PDF and a raster PNG of the same drawing.
public protocol Plot {
    /// Page width and height in points.
    var pageWidth: Double { get }
    var pageHeight: Double { get }
    /// Draws the whole page (background included).
    func draw(on canvas: CairoCanvas)
}

extension Plot {
    /// Writes `<basePath>.pdf` and `<basePath>.png` (at `pixelsPerPoint` pixels per point, 2 by
    /// default, i.e. 144 dpi), each atomically, and returns their URLs.
    /// - Throws: ``ReportFileError`` naming the file that could not be written.
    @discardableResult
    public func write(to basePath: URL, pixelsPerPoint: Double = 2) throws -> (pdf: URL, png: URL) {
        let pdf = basePath.appendingPathExtension("pdf")
        let png = basePath.appendingPathExtension("png")
        try AtomicFile.write(to: pdf) { temporaryPath in
            let canvas = try CairoCanvas(pdfAt: temporaryPath, width: pageWidth, height: pageHeight)
            draw(on: canvas)
            do { try canvas.finish(path: temporaryPath) } catch { throw ReportFileError(path: pdf.path, problem: "\(error)") }
        }
        let raster = try rasterImage(pixelsPerPoint: pixelsPerPoint)
        try AtomicFile.write(to: png) { temporaryPath in
            do { try raster.writePNG(to: temporaryPath) } catch { throw ReportFileError(path: png.path, problem: "cannot write the PNG") }
        }
        return (pdf, png)
    }

    /// The plot drawn on an in-memory raster canvas.
    public func rasterImage(pixelsPerPoint: Double = 2) throws -> CairoCanvas {
        let canvas = try CairoCanvas(rasterWidth: pageWidth, height: pageHeight, pixelsPerPoint: pixelsPerPoint)
        draw(on: canvas)
        return canvas
    }
}

extension Plot {
    /// Fills the whole page white (raster canvases start transparent).
    func drawPageBackground(on canvas: CairoCanvas) {
        canvas.fill(PlotRectangle(x: 0, y: 0, width: pageWidth, height: pageHeight), with: .white)
    }

    /// Draws an optional heading in bold 14 pt, centred on `centerX`, its top at `top`.
    func drawTitle(_ title: String?, centerX: Double, top: Double, on canvas: CairoCanvas) {
        guard let title else { return }
        canvas.setColor(.black)
        canvas.setFont(size: 14, bold: true)
        canvas.drawText(title, at: PlotPoint(x: centerX, y: top), horizontal: .center, vertical: .top)
    }
}
