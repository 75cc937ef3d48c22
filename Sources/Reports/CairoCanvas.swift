import CCairo

/// A cairo drawing surface and its drawing context: the one owner of those two C handles, freed in
/// `deinit`. Drawing coordinates are in points (1/72 inch), y downwards; a raster canvas maps each
/// point to `pixelsPerPoint` pixels, so the same drawing code produces the PDF and the PNG.
///
/// Text uses cairo's "toy" text API (one font family, no shaping), which is enough for plot labels.
public final class CairoCanvas {
    /// How text is placed relative to its anchor point.
    public enum HorizontalAlignment: Sendable { case left, center, right }
    public enum VerticalAlignment: Sendable { case top, middle, baseline, bottom }

    /// `cairo_surface_t *` (a PDF or an ARGB32 image surface).
    private let surface: OpaquePointer
    /// `cairo_t *` drawing on ``surface``.
    private let context: OpaquePointer
    /// Width and height in points.
    public let width: Double
    public let height: Double
    /// Pixels per point: 1 for PDF; the raster scale for images.
    public let pixelsPerPoint: Double

    /// Font family for every text (a DejaVu font is installed with Debian's cairo).
    public static let fontFamily = "DejaVu Sans"

    private init(surface: OpaquePointer, width: Double, height: Double, pixelsPerPoint: Double, path: String) throws {
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            let message = Self.describe(cairo_surface_status(surface))
            cairo_surface_destroy(surface)
            throw ReportFileError(path: path, problem: "cairo cannot create the surface (\(message))")
        }
        guard let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw ReportFileError(path: path, problem: "cairo cannot create a drawing context")
        }
        self.surface = surface
        self.context = context
        self.width = width
        self.height = height
        self.pixelsPerPoint = pixelsPerPoint
        cairo_scale(context, pixelsPerPoint, pixelsPerPoint)
    }

    /// An in-memory ARGB32 raster of `width`×`height` points at `pixelsPerPoint` pixels per point,
    /// fully transparent until drawn on; save it with ``writePNG(to:)``.
    public convenience init(rasterWidth width: Double, height: Double, pixelsPerPoint: Double) throws {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32((width * pixelsPerPoint).rounded()),
                                                 Int32((height * pixelsPerPoint).rounded()))!
        try self.init(surface: surface, width: width, height: height, pixelsPerPoint: pixelsPerPoint, path: "<raster>")
    }

    /// A one-page vector PDF of `width`×`height` points written to `path`; call ``finish()`` to
    /// complete the file.
    public convenience init(pdfAt path: String, width: Double, height: Double) throws {
        let surface = cairo_pdf_surface_create(path, width, height)!
        try self.init(surface: surface, width: width, height: height, pixelsPerPoint: 1, path: path)
    }

    /// The image of a PNG file (to inspect pixels), with one point per pixel.
    public convenience init(contentsOfPNG path: String) throws {
        let surface = cairo_image_surface_create_from_png(path)!
        let width = Double(cairo_image_surface_get_width(surface))
        let height = Double(cairo_image_surface_get_height(surface))
        try self.init(surface: surface, width: width, height: height, pixelsPerPoint: 1, path: path)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: Output

    /// Completes the surface (for a PDF: writes and closes the file).
    /// - Throws: ``ReportFileError`` naming `path` if cairo reports an error.
    public func finish(path: String) throws {
        cairo_surface_finish(surface)
        try checkStatus(path: path)
    }

    /// Writes a raster canvas as PNG to `path`.
    /// - Throws: ``ReportFileError`` naming `path` if cairo cannot write it.
    public func writePNG(to path: String) throws {
        cairo_surface_flush(surface)
        let status = cairo_surface_write_to_png(surface, path)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ReportFileError(path: path, problem: "cannot write the PNG (\(Self.describe(status)))")
        }
    }

    private func checkStatus(path: String) throws {
        let status = cairo_status(context) != CAIRO_STATUS_SUCCESS ? cairo_status(context) : cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw ReportFileError(path: path, problem: "cairo failed (\(Self.describe(status)))")
        }
    }

    private static func describe(_ status: cairo_status_t) -> String { String(cString: cairo_status_to_string(status)) }

    // MARK: Pixels

    /// Raster size in pixels.
    public var pixelWidth: Int { Int(cairo_image_surface_get_width(surface)) }
    public var pixelHeight: Int { Int(cairo_image_surface_get_height(surface)) }

    /// The colour of pixel (`x`, `y`) of a raster canvas as 8-bit (red, green, blue, alpha), with
    /// cairo's premultiplied alpha undone.
    ///
    /// Reads the surface memory directly: ARGB32 stores one native-endian `UInt32` per pixel,
    /// `stride` bytes per row.
    public func pixel(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8) {
        precondition(x >= 0 && x < pixelWidth && y >= 0 && y < pixelHeight, "pixel (\(x), \(y)) outside \(pixelWidth)×\(pixelHeight)")
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let bytes = cairo_image_surface_get_data(surface)!
        let argb = UnsafeRawPointer(bytes + y * stride).load(fromByteOffset: x * 4, as: UInt32.self)
        let alpha = UInt8(argb >> 24)
        func channel(_ shift: UInt32) -> UInt8 {
            let premultiplied = UInt32((argb >> shift) & 0xFF)
            return alpha == 0 ? 0 : UInt8(min(255, (premultiplied * 255 + UInt32(alpha) / 2) / UInt32(alpha)))
        }
        return (channel(16), channel(8), channel(0), alpha)
    }

    // MARK: State

    /// Runs `body` with the graphics state (colour, line style, clip, transform) saved and restored.
    public func withSavedState(_ body: () -> Void) {
        cairo_save(context)
        body()
        cairo_restore(context)
    }

    public func setColor(_ color: PlotColor, alpha: Double = 1) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, alpha)
    }

    public func setLineWidth(_ width: Double) { cairo_set_line_width(context, width) }

    /// Dash pattern in points (on, off, …); empty for solid lines.
    public func setDash(_ pattern: [Double]) {
        pattern.withUnsafeBufferPointer { cairo_set_dash(context, $0.baseAddress, Int32($0.count), 0) }
    }

    /// Round joins and caps (for curves) or miter joins and butt caps (for boxes and ticks).
    public func setRoundLineEnds(_ round: Bool) {
        cairo_set_line_join(context, round ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_MITER)
        cairo_set_line_cap(context, round ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
    }

    /// Restricts drawing to a rectangle until the state is restored.
    public func clip(to rectangle: PlotRectangle) {
        addRectangle(rectangle)
        cairo_clip(context)
    }

    // MARK: Paths

    public func move(to point: PlotPoint) { cairo_move_to(context, point.x, point.y) }
    public func line(to point: PlotPoint) { cairo_line_to(context, point.x, point.y) }
    public func addRectangle(_ rectangle: PlotRectangle) {
        cairo_rectangle(context, rectangle.x, rectangle.y, rectangle.width, rectangle.height)
    }

    /// Closes the current sub-path with a straight line back to its start.
    public func closePath() { cairo_close_path(context) }

    /// Strokes the current path with the current colour and line style, then clears it.
    public func stroke() { cairo_stroke(context) }
    /// Fills the current path with the current colour, then clears it.
    public func fill() { cairo_fill(context) }

    /// Strokes the polyline through `points`.
    public func strokePolyline(_ points: [PlotPoint]) {
        guard let first = points.first else { return }
        move(to: first)
        for point in points.dropFirst() { line(to: point) }
        stroke()
    }

    /// Fills `rectangle` with `color`.
    public func fill(_ rectangle: PlotRectangle, with color: PlotColor) {
        setColor(color)
        addRectangle(rectangle)
        fill()
    }

    // MARK: Images

    /// Paints an 8-bit RGB raster (`pixels` row-major, interleaved R, G, B, `width * height * 3`
    /// bytes) stretched over `rectangle`, with `smooth` choosing bilinear rather than nearest-neighbour
    /// sampling when the rectangle's size in device pixels differs from the raster's.
    ///
    /// The raster is copied into a temporary cairo image surface owned and destroyed by this call.
    public func drawImage(rgbPixels pixels: [UInt8], width: Int, height: Int, in rectangle: PlotRectangle,
                          smooth: Bool = true) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3,
                     "drawImage: \(width)×\(height) RGB needs \(width * height * 3) bytes, got \(pixels.count)")
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))!
        defer { cairo_surface_destroy(image) }
        Self.copy(rgbPixels: pixels, width: width, height: height, into: image)
        withSavedState {
            cairo_translate(context, rectangle.x, rectangle.y)
            cairo_scale(context, rectangle.width / Double(width), rectangle.height / Double(height))
            cairo_set_source_surface(context, image, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(context), smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST)
            cairo_pattern_set_extend(cairo_get_source(context), CAIRO_EXTEND_PAD)
            cairo_rectangle(context, 0, 0, Double(width), Double(height))
            cairo_fill(context)
        }
    }

    /// Writes RGB bytes into an RGB24 image surface: one native-endian `UInt32` `0x00RRGGBB` per
    /// pixel, `stride` bytes per row (cairo's layout).
    private static func copy(rgbPixels pixels: [UInt8], width: Int, height: Int, into image: OpaquePointer) {
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        let bytes = cairo_image_surface_get_data(image)!
        for row in 0..<height {
            let destination = UnsafeMutableRawPointer(bytes + row * stride)
            for column in 0..<width {
                let source = (row * width + column) * 3
                let value = UInt32(pixels[source]) << 16 | UInt32(pixels[source + 1]) << 8 | UInt32(pixels[source + 2])
                destination.storeBytes(of: value, toByteOffset: column * 4, as: UInt32.self)
            }
        }
        cairo_surface_mark_dirty(image)
    }

    // MARK: Text

    public func setFont(size: Double, bold: Bool = false) {
        cairo_select_font_face(context, Self.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    /// Advance width of `text` in the current font, in points.
    public func textWidth(_ text: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// Draws `text` in the current colour and font, aligned to `anchor`, rotated by `angle` radians
    /// (counter-clockwise as seen on the page: `-.pi / 2` reads bottom to top).
    public func drawText(_ text: String, at anchor: PlotPoint, horizontal: HorizontalAlignment = .left,
                         vertical: VerticalAlignment = .baseline, angle: Double = 0) {
        var fontExtents = cairo_font_extents_t()
        cairo_font_extents(context, &fontExtents)
        let width = textWidth(text)
        let dx: Double = switch horizontal {
        case .left: 0
        case .center: -width / 2
        case .right: -width
        }
        let dy: Double = switch vertical {
        case .top: fontExtents.ascent
        case .middle: (fontExtents.ascent - fontExtents.descent) / 2
        case .baseline: 0
        case .bottom: -fontExtents.descent
        }
        withSavedState {
            cairo_translate(context, anchor.x, anchor.y)
            cairo_rotate(context, angle)
            cairo_move_to(context, dx, dy)
            cairo_show_text(context, text)
        }
    }
}
