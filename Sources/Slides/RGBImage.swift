/// An 8-bit RGB raster held in memory: `pixels` is row-major, interleaved R, G, B,
/// `pixels.count == width * height * 3`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// An image from its interleaved RGB bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "RGBImage: negative size \(width)×\(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage: \(width)×\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour (white by default, the colour of glass in a slide).
    public init(width: Int, height: Int, filledWith color: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in stride(from: 0, to: pixels.count, by: 3) {
            pixels[index] = color.0
            pixels[index + 1] = color.1
            pixels[index + 2] = color.2
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The colour at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }

    /// The sub-rectangle `[x, x+width) × [y, y+height)`, which must lie inside the image.
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && cropWidth >= 0 && cropHeight >= 0
                     && x + cropWidth <= width && y + cropHeight <= height,
                     "RGBImage.cropped: rectangle (\(x), \(y), \(cropWidth)×\(cropHeight)) outside \(width)×\(height)")
        var result = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        for row in 0..<cropHeight {
            let sourceStart = ((y + row) * width + x) * 3
            let destinationStart = row * cropWidth * 3
            result[destinationStart..<destinationStart + cropWidth * 3] =
                pixels[sourceStart..<sourceStart + cropWidth * 3]
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: result)
    }

    /// Copies `image` into this one with its top-left corner at (`x`, `y`); parts outside are dropped.
    public mutating func paste(_ image: RGBImage, x: Int, y: Int) {
        let firstColumn = max(0, -x), lastColumn = min(image.width, width - x)
        guard firstColumn < lastColumn else { return }
        for row in max(0, -y)..<max(max(0, -y), min(image.height, height - y)) {
            let sourceStart = (row * image.width + firstColumn) * 3
            let destinationStart = ((y + row) * width + x + firstColumn) * 3
            let count = (lastColumn - firstColumn) * 3
            pixels[destinationStart..<destinationStart + count] = image.pixels[sourceStart..<sourceStart + count]
        }
    }
}
