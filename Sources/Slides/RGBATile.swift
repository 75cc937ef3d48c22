/// One 8-bit RGBA pixel (unassociated alpha: the colour is not multiplied by `alpha`).
public struct RGBAPixel: Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8
    public var alpha: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// Nothing: alpha 0 (and black, so premultiplying readers agree).
    public static let transparent = RGBAPixel(red: 0, green: 0, blue: 0, alpha: 0)
}

/// The pixels of one tile of an RGBA pyramid (``PyramidalTIFFWriter/writeRGBA(to:width:height:renderTile:progress:)``).
public enum RGBATile: Sendable {
    /// Every pixel of the tile has this colour.
    case uniform(RGBAPixel)
    /// `width · height · 4` bytes, rows of R, G, B, A, for the tile's rectangle.
    case pixels([UInt8])

    /// `count` pixels of `color`.
    static func filledPixels(_ color: RGBAPixel, count: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: count * 4)
        fill(&pixels, rowLength: count, columns: 0..<count, rows: 0..<1, with: color)
        return pixels
    }

    /// Sets the pixels in `columns × rows` of an RGBA buffer `rowLength` pixels wide to `color`.
    /// - Precondition: the ranges lie inside the buffer.
    public static func fill(_ pixels: inout [UInt8], rowLength: Int, columns: Range<Int>, rows: Range<Int>, with color: RGBAPixel) {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= rowLength && rows.lowerBound >= 0
                     && rows.upperBound * rowLength * 4 <= pixels.count, "RGBATile.fill: \(columns) × \(rows) outside the buffer")
        guard !columns.isEmpty else { return }
        pixels.withUnsafeMutableBytes { buffer in
            // One 32-bit store per pixel: the four bytes in memory order R, G, B, A.
            let word = UInt32(color.red) | UInt32(color.green) << 8 | UInt32(color.blue) << 16 | UInt32(color.alpha) << 24
            let words = buffer.bindMemory(to: UInt32.self)
            for row in rows {
                let start = row * rowLength
                for column in columns { words[start + column] = UInt32(littleEndian: word) }
            }
        }
    }
}
