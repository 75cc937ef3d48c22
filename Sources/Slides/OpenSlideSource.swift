import Foundation

/// A whole-slide image read through OpenSlide (Aperio, Hamamatsu, MIRAX, Leica, Philips, Ventana,
/// Sakura, Trestle and generic tiled TIFF).
public final class OpenSlideSource: SlideSource, @unchecked Sendable {
    public let url: URL
    public let levels: [SlideLevel]
    public let micronsPerPixel: MicronsPerPixel?
    public let vendor: String
    public let properties: [String: String]
    private let handle: OpenSlideHandle
    /// Direct tile decoding for JPEG-tiled TIFF pyramids (generic TIFF), when the file qualifies.
    private let tileReader: TIFFJPEGTileReader?

    /// Opens `url` with OpenSlide; returns `nil` when OpenSlide does not recognise the file.
    public init?(url: URL) throws {
        guard let handle = try OpenSlideHandle(path: url.path) else { return nil }
        let count = handle.levelCount
        guard count > 0 else {
            throw SlideError.corruptFile(path: url.path, format: "slide", reason: "OpenSlide reports no pyramid levels")
        }
        let levels = (0..<count).map { level -> SlideLevel in
            let size = handle.levelSize(level)
            return SlideLevel(width: size.width, height: size.height, downsample: handle.levelDownsample(level))
        }
        guard levels[0].width > 0, levels[0].height > 0 else {
            throw SlideError.zeroSizedImage(path: url.path, width: levels[0].width, height: levels[0].height)
        }
        let properties = handle.properties()
        self.url = url
        self.handle = handle
        self.levels = levels
        self.properties = properties
        self.vendor = properties["openslide.vendor"] ?? "unknown"
        self.micronsPerPixel = OpenSlideSource.micronsPerPixel(from: properties)
        self.tileReader = self.vendor == "generic-tiff" ? TIFFJPEGTileReader(path: url.path, levelSizes: levels) : nil
    }

    /// `openslide.mpp-x/y`, or for TIFF-based slides without them (OpenSlide 3.4's generic TIFF
    /// driver does not derive them) the TIFF resolution tags, as OpenSlide 4 does.
    static func micronsPerPixel(from properties: [String: String]) -> MicronsPerPixel? {
        if let x = properties["openslide.mpp-x"].flatMap(Double.init), let y = properties["openslide.mpp-y"].flatMap(Double.init),
           x > 0, y > 0 {
            return MicronsPerPixel(x: x, y: y)
        }
        let micronsPerUnit: Double
        switch properties["tiff.ResolutionUnit"] {
        case "centimeter": micronsPerUnit = 10_000
        case "inch": micronsPerUnit = 25_400
        default: return nil
        }
        guard let x = properties["tiff.XResolution"].flatMap(Double.init), let y = properties["tiff.YResolution"].flatMap(Double.init),
              x > 0, y > 0 else { return nil }
        return MicronsPerPixel(x: micronsPerUnit / x, y: micronsPerUnit / y)
    }

    public func readRegion(level: Int, x: Int, y: Int, width: Int, height: Int) throws -> RGBImage {
        try validateRegion(level: level, x: x, y: y, width: width, height: height)
        if let tileReader { return try tileReader.readRegion(level: level, x: x, y: y, width: width, height: height) }
        return try readThroughOpenSlide(level: level, x: x, y: y, width: width, height: height)
    }

    /// Reads a region with `openslide_read_region` (premultiplied ARGB), composited over white.
    func readThroughOpenSlide(level: Int, x: Int, y: Int, width: Int, height: Int) throws -> RGBImage {
        try validateRegion(level: level, x: x, y: y, width: width, height: height)
        let downsample = levels[level].downsample
        // OpenSlide clears the buffer itself; skip the zero fill.
        var argb = [UInt32](unsafeUninitializedCapacity: width * height) { _, count in count = width * height }
        try argb.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            try handle.readARGB(into: base, level0X: Int((Double(x) * downsample).rounded()),
                                level0Y: Int((Double(y) * downsample).rounded()),
                                level: level, width: width, height: height)
        }
        return RGBImage(width: width, height: height, pixels: PremultipliedARGB.rgbOverWhite(argb))
    }
}

/// Conversion of OpenSlide's premultiplied ARGB words to RGB bytes.
enum PremultipliedARGB {
    /// Composites premultiplied ARGB over white: each channel becomes `value + (255 − alpha)`,
    /// so transparent areas (outside scanned regions) become white glass.
    static func rgbOverWhite(_ argb: [UInt32]) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: argb.count * 3)
        rgb.withUnsafeMutableBufferPointer { destination in
            argb.withUnsafeBufferPointer { source in
                for index in 0..<source.count {
                    let pixel = source[index]
                    let transparency = 255 &- (pixel >> 24)
                    destination[index * 3] = UInt8(truncatingIfNeeded: min(255, ((pixel >> 16) & 0xFF) &+ transparency))
                    destination[index * 3 + 1] = UInt8(truncatingIfNeeded: min(255, ((pixel >> 8) & 0xFF) &+ transparency))
                    destination[index * 3 + 2] = UInt8(truncatingIfNeeded: min(255, (pixel & 0xFF) &+ transparency))
                }
            }
        }
        return rgb
    }
}
