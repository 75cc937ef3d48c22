import Foundation
import Slides

/// The Deep Zoom pyramid of a slide, in the convention of OpenSlide's `DeepZoomGenerator`
/// (openslide-python `openslide/deepzoom.py`, without `limit_bounds`): Deep Zoom level `L - 1` is
/// level 0 of the slide, each lower level half the size (rounding up) down to 1 × 1; tiles are
/// `tileSize` pixels plus `overlap` pixels on every side that has a neighbour; each Deep Zoom level
/// is read from the slide level OpenSlide's `get_best_level_for_downsample` picks and scaled down.
public struct DeepZoomGeometry: Sendable, Equatable {
    /// Tile side without overlap (the deepzoom server's default 254: 256 with both overlaps).
    public let tileSize: Int
    /// Pixels shared with each neighbouring tile.
    public let overlap: Int
    /// Size of every Deep Zoom level, smallest (1 × 1) first.
    public let levelSizes: [(width: Int, height: Int)]
    /// The slide's pyramid (level 0 first), as the slide reports it.
    public let slideLevels: [SlideLevel]

    public static func == (left: DeepZoomGeometry, right: DeepZoomGeometry) -> Bool {
        left.tileSize == right.tileSize && left.overlap == right.overlap && left.slideLevels == right.slideLevels
    }

    /// - Precondition: `slideLevels` non-empty with positive sizes; `tileSize` > 0, `overlap` ≥ 0.
    public init(slideLevels: [SlideLevel], tileSize: Int = 254, overlap: Int = 1) {
        precondition(!slideLevels.isEmpty && slideLevels.allSatisfy { $0.width > 0 && $0.height > 0 },
                     "DeepZoomGeometry: the slide needs levels of positive size")
        precondition(tileSize > 0 && overlap >= 0, "DeepZoomGeometry: tile size \(tileSize), overlap \(overlap)")
        self.tileSize = tileSize
        self.overlap = overlap
        self.slideLevels = slideLevels
        var size = (width: slideLevels[0].width, height: slideLevels[0].height)
        var sizes = [size]
        while size.width > 1 || size.height > 1 {
            size = (max(1, (size.width + 1) / 2), max(1, (size.height + 1) / 2))
            sizes.append(size)
        }
        levelSizes = sizes.reversed()
    }

    /// Number of Deep Zoom levels.
    public var levelCount: Int { levelSizes.count }

    /// Columns and rows of tiles of Deep Zoom level `level`.
    public func tileCounts(level: Int) -> (columns: Int, rows: Int) {
        let size = levelSizes[level]
        return ((size.width + tileSize - 1) / tileSize, (size.height + tileSize - 1) / tileSize)
    }

    /// Level-0 pixels per pixel of Deep Zoom level `level` (a power of two).
    public func downsample(level: Int) -> Double { pow(2, Double(levelCount - 1 - level)) }

    /// OpenSlide's `openslide_get_best_level_for_downsample`: the last level whose downsample is not
    /// above `downsample`.
    public func bestSlideLevel(forDownsample downsample: Double) -> Int {
        if downsample < slideLevels[0].downsample { return 0 }
        for index in 1..<slideLevels.count where downsample < slideLevels[index].downsample { return index - 1 }
        return slideLevels.count - 1
    }

    /// Whether `level`, `column`, `row` name a tile of this pyramid.
    public func contains(level: Int, column: Int, row: Int) -> Bool {
        guard level >= 0, level < levelCount else { return false }
        let counts = tileCounts(level: level)
        return column >= 0 && column < counts.columns && row >= 0 && row < counts.rows
    }

    /// Where a tile comes from, as `DeepZoomGenerator._get_tile_info` computes it.
    public struct TileSource: Sendable, Equatable {
        /// The slide level read.
        public let slideLevel: Int
        /// The rectangle read, in that level's pixels.
        public let region: PixelRectangle
        /// The rectangle read, in level-0 pixels (`DeepZoomGenerator.get_tile_coordinates`' location).
        public let levelZeroOrigin: (x: Int, y: Int)
        /// The tile's size in pixels, overlap included (`get_tile_dimensions`).
        public let tileWidth: Int
        public let tileHeight: Int
        /// The tile's top-left pixel in Deep Zoom level coordinates (overlap included).
        public let tileOrigin: (x: Int, y: Int)

        public static func == (left: TileSource, right: TileSource) -> Bool {
            left.slideLevel == right.slideLevel && left.region == right.region && left.tileWidth == right.tileWidth
                && left.tileHeight == right.tileHeight && left.levelZeroOrigin == right.levelZeroOrigin
                && left.tileOrigin == right.tileOrigin
        }
    }

    /// The source of tile (`column`, `row`) of Deep Zoom level `level`.
    /// - Precondition: ``contains(level:column:row:)``.
    public func tileSource(level: Int, column: Int, row: Int) -> TileSource {
        precondition(contains(level: level, column: column, row: row), "DeepZoomGeometry: no tile \(level)/\(column)_\(row)")
        let slideLevel = bestSlideLevel(forDownsample: downsample(level: level))
        let levelDownsample = slideLevels[slideLevel].downsample
        // Downsample from the slide level to the Deep Zoom level.
        let scale = downsample(level: level) / levelDownsample
        let counts = tileCounts(level: level), size = levelSizes[level]
        func axis(_ tile: Int, tiles: Int, extent: Int, slideExtent: Int) -> (tileStart: Int, tileLength: Int, levelZero: Int, start: Int, length: Int) {
            let before = tile != 0 ? overlap : 0, after = tile != tiles - 1 ? overlap : 0
            let length = min(tileSize, extent - tileSize * tile) + before + after
            let start = tile * tileSize - before
            let levelStart = scale * Double(start)
            let levelZero = Int(levelDownsample * levelStart)
            let levelLength = Int(min(ceil(scale * Double(length)), Double(slideExtent) - ceil(levelStart)))
            return (start, length, levelZero, Int(levelStart), max(1, levelLength))
        }
        let slideSize = slideLevels[slideLevel]
        let x = axis(column, tiles: counts.columns, extent: size.width, slideExtent: slideSize.width)
        let y = axis(row, tiles: counts.rows, extent: size.height, slideExtent: slideSize.height)
        // The level coordinate OpenSlide reads at is level-0 / downsample; clamp so the region lies inside.
        let regionX = min(x.start, slideSize.width - x.length), regionY = min(y.start, slideSize.height - y.length)
        return TileSource(slideLevel: slideLevel,
                          region: PixelRectangle(x: max(0, regionX), y: max(0, regionY),
                                                 width: min(x.length, slideSize.width), height: min(y.length, slideSize.height)),
                          levelZeroOrigin: (x.levelZero, y.levelZero), tileWidth: x.tileLength, tileHeight: y.tileLength,
                          tileOrigin: (x.tileStart, y.tileStart))
    }

    /// The `.dzi` descriptor (Deep Zoom XML) for tiles of `format` ("jpeg" or "png").
    public func descriptor(format: String) -> String {
        let size = levelSizes[levelCount - 1]
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="\(format)" Overlap="\(overlap)" TileSize="\(tileSize)">\
        <Size Height="\(size.height)" Width="\(size.width)"/></Image>

        """
    }
}
