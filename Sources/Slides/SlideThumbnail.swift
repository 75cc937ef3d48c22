import TensorKit

/// A small overview image of a whole slide, resampled from the coarsest pyramid level that is at
/// least as large as the thumbnail, strip by strip (never holding a large level in memory).
public enum SlideThumbnail {
    /// The slide fitted into `maxDimension × maxDimension`, keeping its aspect ratio.
    public static func render(_ source: any SlideSource, maxDimension: Int) throws -> RGBImage {
        precondition(maxDimension > 0, "SlideThumbnail: maxDimension must be positive, got \(maxDimension)")
        let (width, height) = source.dimensions
        let scale = min(1, Double(maxDimension) / Double(max(width, height)))
        let targetWidth = max(1, Int((Double(width) * scale).rounded()))
        let targetHeight = max(1, Int((Double(height) * scale).rounded()))
        let level = try GridPlacement.chooseLevel(source: source, choice: .automatic,
                                                  minimumWidth: targetWidth, minimumHeight: targetHeight)
        return try resample(source, level: level, width: targetWidth, height: targetHeight)
    }

    /// Level `level` resized to `width × height`, computed in strips of destination rows.
    public static func resample(_ source: any SlideSource, level: Int, width: Int, height: Int) throws -> RGBImage {
        try MemoryBudget.require(shape: [height, width, 3], elementSize: 1, for: "\(source.url.path): a \(width)×\(height) overview")
        let size = source.levels[level]
        let resizer = BilinearResizer(sourceWidth: size.width, sourceHeight: size.height,
                                      destinationWidth: width, destinationHeight: height)
        // Strips of about 64 Mpixel of source each.
        let sourceRowsPerStrip = max(1, (1 << 26) / max(1, size.width))
        let stripRows = max(1, sourceRowsPerStrip * height / max(1, size.height))
        var image = RGBImage(width: width, height: height)
        for top in stride(from: 0, to: height, by: stripRows) {
            let strip = PixelRectangle(x: 0, y: top, width: width, height: min(stripRows, height - top))
            let needed = resizer.sourceRectangle(for: strip)
            let region = try source.readRegion(level: level, x: needed.x, y: needed.y, width: needed.width, height: needed.height)
            image.paste(resizer.resize(region: region, at: (needed.x, needed.y), destination: strip), x: 0, y: top)
        }
        return image
    }
}
