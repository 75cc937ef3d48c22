import Foundation

/// A plain PNG, JPEG or TIFF image decoded into memory, presented as a one-level slide.
public final class ImageSource: SlideSource, @unchecked Sendable {
    public let url: URL
    public let levels: [SlideLevel]
    public let micronsPerPixel: MicronsPerPixel? = nil
    public let vendor: String
    public let properties: [String: String]
    /// The decoded pixels.
    public let image: RGBImage

    /// Wraps an already decoded image; `format` names it ("png", "jpeg", "tiff").
    public init(url: URL, image: RGBImage, format: String) {
        self.url = url
        self.image = image
        self.vendor = format
        self.levels = [SlideLevel(width: image.width, height: image.height, downsample: 1)]
        self.properties = ["format": format, "width": String(image.width), "height": String(image.height)]
    }

    public func readRegion(level: Int, x: Int, y: Int, width: Int, height: Int) throws -> RGBImage {
        try validateRegion(level: level, x: x, y: y, width: width, height: height)
        if x == 0, y == 0, width == image.width, height == image.height { return image }
        return image.cropped(x: x, y: y, width: width, height: height)
    }
}
