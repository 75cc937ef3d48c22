/// Where a slide lands in the square word grid and which pyramid level feeds it.
///
/// The slide's chosen level is resized (``BilinearResizer``) to `content`, a rectangle of the
/// `gridSize × gridSize` grid: the whole grid (stretching, the reference's behaviour) or, with
/// `keepAspect`, the largest centred rectangle with the slide's aspect ratio, the rest white.
public struct GridPlacement: Sendable {
    public let layout: WordGridLayout
    /// The pyramid level read.
    public let level: Int
    /// That level's size and downsample.
    public let levelSize: SlideLevel
    /// Level-0 size of the slide.
    public let slideWidth: Int
    public let slideHeight: Int
    /// The part of the grid the slide covers, in grid pixels.
    public let content: PixelRectangle
    /// The resize from the chosen level to `content`'s size.
    public let resizer: BilinearResizer

    /// Chooses the level and the content rectangle for `source`.
    public init(source: any SlideSource, layout: WordGridLayout, options: WordGridOptions) throws {
        let grid = layout.gridSize
        let (slideWidth, slideHeight) = source.dimensions
        let content: PixelRectangle
        if options.keepAspect {
            let scale = min(Double(grid) / Double(slideWidth), Double(grid) / Double(slideHeight))
            let width = max(1, min(grid, Int((Double(slideWidth) * scale).rounded())))
            let height = max(1, min(grid, Int((Double(slideHeight) * scale).rounded())))
            content = PixelRectangle(x: (grid - width) / 2, y: (grid - height) / 2, width: width, height: height)
        } else {
            content = PixelRectangle(x: 0, y: 0, width: grid, height: grid)
        }
        let level = try GridPlacement.chooseLevel(source: source, choice: options.level,
                                                  minimumWidth: content.width, minimumHeight: content.height)
        self.layout = layout
        self.level = level
        self.levelSize = source.levels[level]
        self.slideWidth = slideWidth
        self.slideHeight = slideHeight
        self.content = content
        self.resizer = BilinearResizer(sourceWidth: levelSize.width, sourceHeight: levelSize.height,
                                       destinationWidth: content.width, destinationHeight: content.height)
    }

    /// How much the chosen level is enlarged to fill the grid content (1 or less: only shrunk).
    public var upsamplingFactor: Double {
        max(Double(content.width) / Double(max(1, levelSize.width)), Double(content.height) / Double(max(1, levelSize.height)))
    }

    /// A warning when the slide is much smaller than the grid (factor above 4): the words then show
    /// enlarged source pixels, and a 1×1 image becomes a grid of identical words; `nil` otherwise.
    public var upsamplingWarning: String? {
        guard upsamplingFactor > 4 else { return nil }
        return "the slide is \(slideWidth)×\(slideHeight) pixels but the grid is \(layout.gridSize)×\(layout.gridSize) "
            + "(bag \(layout.bagSize), word \(layout.wordSize)): it is enlarged \(String(format: "%.0f", upsamplingFactor))×, "
            + "so every word shows a few blurred source pixels; choose a smaller bag and word size for small images"
    }

    static func chooseLevel(source: any SlideSource, choice: LevelChoice, minimumWidth: Int, minimumHeight: Int) throws -> Int {
        let levels = source.levels
        switch choice {
        case .automatic:
            let largeEnough = levels.indices.filter { levels[$0].width >= minimumWidth && levels[$0].height >= minimumHeight }
            return largeEnough.max { levels[$0].downsample < levels[$1].downsample } ?? 0
        case .level(let level):
            guard levels.indices.contains(level) else {
                throw SlideError.invalidRegion(path: source.url.path, reason: "level \(level) does not exist (the slide has levels 0…\(levels.count - 1))")
            }
            return level
        case .micronsPerPixel(let target):
            guard let micronsPerPixel = source.micronsPerPixel else {
                throw SlideError.invalidRegion(path: source.url.path, reason: "the slide does not record microns per pixel, so a magnification of \(target) µm/px cannot be chosen")
            }
            let targetDownsample = target / micronsPerPixel.x * (1 + 1e-3)
            let fineEnough = levels.indices.filter { levels[$0].downsample <= targetDownsample }
            return fineEnough.max { levels[$0].downsample < levels[$1].downsample } ?? 0
        }
    }

    /// Where every word and bag of the layout lies on the slide.
    public var geometry: WordGeometry {
        WordGeometry(bagCount: layout.bagCount, wordsPerBag: layout.wordsPerBag, wordRegions: (0..<layout.bagCount).flatMap { bag in
            (0..<layout.wordsPerBag).map { slideRectangle(ofGrid: layout.wordRectangle(bag: bag, word: $0)) }
        })
    }

    /// The level-0 slide rectangle shown by a rectangle of the grid (clipped to the content; empty
    /// when it lies on padding).
    public func slideRectangle(ofGrid rectangle: PixelRectangle) -> SlideRectangle {
        let left = max(rectangle.x, content.x), right = min(rectangle.x + rectangle.width, content.x + content.width)
        let top = max(rectangle.y, content.y), bottom = min(rectangle.y + rectangle.height, content.y + content.height)
        guard left < right, top < bottom else { return SlideRectangle(x: 0, y: 0, width: 0, height: 0) }
        let scaleX = Double(slideWidth) / Double(content.width), scaleY = Double(slideHeight) / Double(content.height)
        return SlideRectangle(x: Double(left - content.x) * scaleX, y: Double(top - content.y) * scaleY,
                              width: Double(right - left) * scaleX, height: Double(bottom - top) * scaleY)
    }

    /// Renders the grid rectangle `area` (grid pixels) from `source`: the part over the content is
    /// read from the chosen level (only the source pixels it needs) and resized; the rest is white.
    public func render(_ area: PixelRectangle, from source: any SlideSource) throws -> RGBImage {
        var image = RGBImage(width: area.width, height: area.height)
        let left = max(area.x, content.x), right = min(area.x + area.width, content.x + content.width)
        let top = max(area.y, content.y), bottom = min(area.y + area.height, content.y + content.height)
        guard left < right, top < bottom else { return image }
        let destination = PixelRectangle(x: left - content.x, y: top - content.y, width: right - left, height: bottom - top)
        let needed = resizer.sourceRectangle(for: destination)
        let region = try source.readRegion(level: level, x: needed.x, y: needed.y, width: needed.width, height: needed.height)
        let resized = resizer.resize(region: region, at: (needed.x, needed.y), destination: destination)
        image.paste(resized, x: left - area.x, y: top - area.y)
        return image
    }
}
