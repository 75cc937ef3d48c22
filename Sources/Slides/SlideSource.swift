import Foundation

/// One resolution of a slide pyramid. Level 0 is full resolution.
public struct SlideLevel: Sendable, Equatable {
    /// Size in this level's pixels.
    public let width: Int
    public let height: Int
    /// Level-0 pixels per pixel of this level (1 for level 0, about 2ⁿ for pyramid levels).
    public let downsample: Double

    public init(width: Int, height: Int, downsample: Double) {
        self.width = width
        self.height = height
        self.downsample = downsample
    }
}

/// Physical pixel size of level 0, in microns, when the scanner recorded it.
public struct MicronsPerPixel: Sendable, Equatable {
    public let x: Double
    public let y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A readable whole-slide image or plain image: a pyramid of levels from which rectangular regions
/// can be read as RGB over white.
///
/// Implementations are safe to read from several threads at once.
public protocol SlideSource: AnyObject, Sendable {
    /// The file this source reads.
    var url: URL { get }
    /// The pyramid, level 0 (full resolution) first; never empty.
    var levels: [SlideLevel] { get }
    /// Level-0 pixel size, when the file records it.
    var micronsPerPixel: MicronsPerPixel? { get }
    /// The scanner vendor or file format (OpenSlide's `openslide.vendor`, or "png", "jpeg", "tiff").
    var vendor: String { get }
    /// Every key/value property the file provides (OpenSlide's property map for slides).
    var properties: [String: String] { get }

    /// Reads the rectangle `[x, x+width) × [y, y+height)` of `level`, in that level's pixel
    /// coordinates, as RGB over white. The rectangle must lie inside the level.
    func readRegion(level: Int, x: Int, y: Int, width: Int, height: Int) throws -> RGBImage
}

extension SlideSource {
    /// Size of level 0.
    public var dimensions: (width: Int, height: Int) { (levels[0].width, levels[0].height) }

    /// Checks that a region request lies inside `level`, throwing an error that names the file.
    func validateRegion(level: Int, x: Int, y: Int, width: Int, height: Int) throws {
        guard levels.indices.contains(level) else {
            throw SlideError.invalidRegion(path: url.path, reason: "level \(level) does not exist (the slide has \(levels.count))")
        }
        let size = levels[level]
        guard x >= 0, y >= 0, width >= 0, height >= 0, x + width <= size.width, y + height <= size.height else {
            throw SlideError.invalidRegion(path: url.path, reason: "region (\(x), \(y), \(width)×\(height)) lies outside level \(level) (\(size.width)×\(size.height))")
        }
    }

    /// Reads a whole level at once. Only sensible for small levels (thumbnails, tests).
    public func readLevel(_ level: Int) throws -> RGBImage {
        try validateRegion(level: level, x: 0, y: 0, width: 0, height: 0)
        return try readRegion(level: level, x: 0, y: 0, width: levels[level].width, height: levels[level].height)
    }
}
