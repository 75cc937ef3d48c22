/// Where a slide shows tissue, on a thumbnail grid.
///
/// Detection: HSV saturation of a thumbnail (stained tissue is coloured, glass is grey-white),
/// thresholded with Otsu's method (but never below `minimumSaturation`, so a blank slide stays
/// blank), then cleaned with a morphological opening (removes specks, 3×3) and closing (fills small
/// holes, 5×5).
public struct TissueMask: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major flags, `true` for tissue.
    public let isTissue: [Bool]
    /// Level-0 slide pixels per mask pixel along x and y.
    public let scaleX: Double
    public let scaleY: Double

    /// Saturation (0…255) below which a pixel is never tissue.
    public static let minimumSaturation = 20

    public init(width: Int, height: Int, isTissue: [Bool], scaleX: Double, scaleY: Double) {
        precondition(isTissue.count == width * height, "TissueMask: \(isTissue.count) flags for \(width)×\(height)")
        self.width = width
        self.height = height
        self.isTissue = isTissue
        self.scaleX = scaleX
        self.scaleY = scaleY
    }

    /// Detects tissue on a thumbnail of `source` at most `maxDimension` pixels on a side.
    public static func detect(in source: any SlideSource, maxDimension: Int = 1024) throws -> TissueMask {
        let thumbnail = try SlideThumbnail.render(source, maxDimension: maxDimension)
        let (width, height) = source.dimensions
        return detect(in: thumbnail, scaleX: Double(width) / Double(thumbnail.width),
                      scaleY: Double(height) / Double(thumbnail.height))
    }

    /// Detects tissue on `thumbnail`, whose pixels each cover `scaleX × scaleY` level-0 pixels.
    public static func detect(in thumbnail: RGBImage, scaleX: Double, scaleY: Double) -> TissueMask {
        let count = thumbnail.width * thumbnail.height
        var saturation = [UInt8](repeating: 0, count: count)
        var histogram = [Int](repeating: 0, count: 256)
        for index in 0..<count {
            let r = Int(thumbnail.pixels[index * 3]), g = Int(thumbnail.pixels[index * 3 + 1]), b = Int(thumbnail.pixels[index * 3 + 2])
            let high = max(r, g, b), low = min(r, g, b)
            let value = high == 0 ? 0 : (255 * (high - low) + high / 2) / high
            saturation[index] = UInt8(value)
            histogram[value] += 1
        }
        let threshold = max(otsuThreshold(histogram: histogram), minimumSaturation)
        var flags = saturation.map { Int($0) > threshold }
        flags = BinaryMorphology.open(flags, width: thumbnail.width, height: thumbnail.height, radius: 1)
        flags = BinaryMorphology.close(flags, width: thumbnail.width, height: thumbnail.height, radius: 2)
        return TissueMask(width: thumbnail.width, height: thumbnail.height, isTissue: flags, scaleX: scaleX, scaleY: scaleY)
    }

    /// Otsu's threshold of a 256-bin histogram: the level `t` maximising the between-class variance
    /// of `≤ t` and `> t`.
    public static func otsuThreshold(histogram: [Int]) -> Int {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return 0 }
        let weightedTotal = histogram.enumerated().reduce(0.0) { $0 + Double($1.offset * $1.element) }
        var backgroundCount = 0, backgroundSum = 0.0, best = 0, bestVariance = -1.0
        for level in 0..<histogram.count {
            backgroundCount += histogram[level]
            backgroundSum += Double(level * histogram[level])
            let foregroundCount = total - backgroundCount
            if backgroundCount == 0 { continue }
            if foregroundCount == 0 { break }
            let meanBackground = backgroundSum / Double(backgroundCount)
            let meanForeground = (weightedTotal - backgroundSum) / Double(foregroundCount)
            let variance = Double(backgroundCount) * Double(foregroundCount) * (meanBackground - meanForeground) * (meanBackground - meanForeground)
            if variance > bestVariance { bestVariance = variance; best = level }
        }
        return best
    }

    /// The fraction of `region` (level-0 pixels) that is tissue; 0 for an empty region.
    public func tissueFraction(in region: SlideRectangle) -> Float {
        guard !region.isEmpty else { return 0 }
        let left = max(0, min(width - 1, Int(region.x / scaleX)))
        let right = max(left + 1, min(width, Int(((region.x + region.width) / scaleX).rounded(.up))))
        let top = max(0, min(height - 1, Int(region.y / scaleY)))
        let bottom = max(top + 1, min(height, Int(((region.y + region.height) / scaleY).rounded(.up))))
        var tissue = 0
        for row in top..<bottom {
            for column in left..<right where isTissue[row * width + column] { tissue += 1 }
        }
        return Float(tissue) / Float((right - left) * (bottom - top))
    }

    /// The mask as a grey image: 255 for tissue, 0 for background.
    public var grayBytes: [UInt8] { isTissue.map { $0 ? 255 : 0 } }
}

/// Erosion and dilation of binary images with a square structuring element, computed separably
/// (rows, then columns). Pixels outside the image count as background.
enum BinaryMorphology {
    static func open(_ flags: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        dilate(erode(flags, width: width, height: height, radius: radius), width: width, height: height, radius: radius)
    }

    static func close(_ flags: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        erode(dilate(flags, width: width, height: height, radius: radius), width: width, height: height, radius: radius)
    }

    static func erode(_ flags: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        sweep(flags, width: width, height: height, radius: radius, keepsAll: true)
    }

    static func dilate(_ flags: [Bool], width: Int, height: Int, radius: Int) -> [Bool] {
        sweep(flags, width: width, height: height, radius: radius, keepsAll: false)
    }

    /// `keepsAll`: a pixel stays set only if its whole window is set (erosion); otherwise it is set
    /// if any pixel of its window is (dilation).
    private static func sweep(_ flags: [Bool], width: Int, height: Int, radius: Int, keepsAll: Bool) -> [Bool] {
        func pass(_ input: [Bool], alongRows: Bool) -> [Bool] {
            var output = input
            let lines = alongRows ? height : width, length = alongRows ? width : height
            for line in 0..<lines {
                for position in 0..<length {
                    var result = keepsAll
                    for offset in -radius...radius {
                        let neighbour = position + offset
                        let value = neighbour >= 0 && neighbour < length
                            && input[alongRows ? line * width + neighbour : neighbour * width + line]
                        if keepsAll ? !value : value { result = !keepsAll; break }
                    }
                    output[alongRows ? line * width + position : position * width + line] = result
                }
            }
            return output
        }
        return pass(pass(flags, alongRows: true), alongRows: false)
    }
}
