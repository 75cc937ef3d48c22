import Reports

/// The paper's stroma figure: the top-scoring words filled blue — pink where they overlap the
/// ground-truth annotation — and every other word white, with the annotations outlined in red.
///
/// Colours are decided pixel by pixel on the annotation mask's raster (the thumbnail's), so the
/// pink shows exactly where a top word meets the lesion. The page is that raster (a
/// ``SlideFigure``), with the slide's aspect ratio.
public struct TopWordsFigure: SlideFigure {
    /// Which word owns each pixel.
    public let words: RegionIndexMap
    /// Which words are top words.
    public let selected: [Bool]
    public let annotations: SlideAnnotations?

    public init(words: RegionIndexMap, selected: [Bool], annotations: SlideAnnotations?) {
        precondition(words.regionCount == selected.count, "TopWordsFigure: \(selected.count) flags for \(words.regionCount) words")
        precondition(annotations.map { $0.mask.raster == words.raster } ?? true, "TopWordsFigure: annotations on another raster")
        self.words = words
        self.selected = selected
        self.annotations = annotations
    }

    public var raster: SlideRaster { words.raster }

    /// The word map as RGB pixels, before the annotation outline is drawn.
    public var pixels: [UInt8] {
        func bytes(_ color: PlotColor) -> [UInt8] { [color.red, color.green, color.blue].map { UInt8(($0 * 255).rounded()) } }
        let blue = bytes(AttentionPalette.selected), pink = bytes(AttentionPalette.overlap), white = bytes(AttentionPalette.unselected)
        var pixels = [UInt8](repeating: 0, count: raster.width * raster.height * 3)
        for offset in 0..<raster.width * raster.height {
            let owner = words.owner(atOffset: offset)
            let color: [UInt8]
            if owner >= 0 && selected[owner] {
                color = annotations?.mask.values[offset] == true ? pink : blue
            } else {
                color = white
            }
            pixels[offset * 3] = color[0]
            pixels[offset * 3 + 1] = color[1]
            pixels[offset * 3 + 2] = color[2]
        }
        return pixels
    }

    public func draw(on canvas: CairoCanvas) {
        canvas.drawImage(rgbPixels: pixels, width: words.raster.width, height: words.raster.height, in: imageArea, smooth: false)
        if let annotations { AnnotationOutline(annotations: annotations, imageArea: imageArea).draw(on: canvas) }
    }
}
