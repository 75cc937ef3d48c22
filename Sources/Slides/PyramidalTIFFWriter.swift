import CTIFF
import CZlib
import Dispatch
import Foundation
import FileOutput

/// Writes a tiled pyramidal TIFF that OpenSlide's generic tiled-TIFF driver opens — JPEG RGB
/// (``write(to:width:height:renderTile:progress:)``, slides) or Deflate RGBA
/// (``writeRGBA(to:width:height:renderTile:progress:)``, overlays). The JPEG layout:
/// 256 × 256 tiles, `COMPRESSION_JPEG` with `PHOTOMETRIC_YCBCR` (libtiff converts from RGB through
/// `JPEGCOLORMODE_RGB`), level 0 first, each further level half the size of the previous one in a
/// `FILETYPE_REDUCEDIMAGE` directory, down to a level that fits in one tile. BigTIFF is used for level 0
/// above half a gigapixel.
///
/// Pixels come from a callback per tile, so no level is ever held whole: tiles of one tile row are
/// rendered on all cores while the previous row is compressed and written.
public struct PyramidalTIFFWriter: Sendable {
    public static let tileSize = 256
    public var jpegQuality: Int32 = 85
    /// Level-0 pixel size recorded as X/YResolution (OpenSlide reports it as `openslide.mpp-x/y`).
    public var micronsPerPixel: Double?
    /// Stored as TIFF ImageDescription of level 0.
    public var description: String
    /// Stored as TIFF Software of every level.
    public var software = "hatnet synth"

    public init(description: String, micronsPerPixel: Double? = nil) {
        self.description = description
        self.micronsPerPixel = micronsPerPixel
    }

    /// Sizes of the pyramid levels for a level-0 size: halving (rounding up) until one tile holds it.
    public static func levelSizes(width: Int, height: Int) -> [(width: Int, height: Int)] {
        var sizes = [(width, height)]
        while max(sizes[sizes.count - 1].0, sizes[sizes.count - 1].1) > tileSize {
            let last = sizes[sizes.count - 1]
            sizes.append(((last.0 + 1) / 2, (last.1 + 1) / 2))
        }
        return sizes
    }

    /// Writes the pyramid to `url` atomically. `renderTile(level, rectangle)` returns the pixels of
    /// `rectangle` (level pixels, clipped to the level) of level `level` (downsample `2^level`).
    /// `progress(level, tileRowsDone, tileRowsInLevel)` is called after each tile row.
    public func write(to url: URL, width: Int, height: Int,
                      renderTile: @escaping @Sendable (_ level: Int, _ rectangle: PixelRectangle) -> RGBImage,
                      progress: (_ level: Int, _ rowsDone: Int, _ rowsTotal: Int) -> Void = { _, _, _ in }) throws {
        try writePyramid(to: url, width: width, height: height, layout: .jpegRGB, progress: progress) { level, rectangle, _, _ in
            .pixels(PyramidalTIFFWriter.paddedTile(renderTile(level, rectangle), size: PyramidalTIFFWriter.tileSize))
        }
    }

    /// Writes an RGBA pyramid (8-bit R, G, B and unassociated alpha, Deflate-compressed) to `url`
    /// atomically: the layout of ``write(to:width:height:renderTile:progress:)`` with four samples
    /// per pixel, for overlays that are transparent where they show nothing. Tiles are compressed
    /// on all cores; a ``RGBATile/uniform(_:)`` tile is compressed once per colour and written as
    /// the same bytes wherever it recurs, so large one-colour areas cost almost nothing.
    /// Tile pixels outside the level (the right and bottom margins of edge tiles) are transparent.
    /// Levels narrower or lower than a tile have smaller tiles (see `SampleLayout.tileSide(levelLength:)`).
    public func writeRGBA(to url: URL, width: Int, height: Int,
                          renderTile: @escaping @Sendable (_ level: Int, _ rectangle: PixelRectangle) -> RGBATile,
                          progress: (_ level: Int, _ rowsDone: Int, _ rowsTotal: Int) -> Void = { _, _, _ in }) throws {
        let uniformTiles = LockedValue<[UniformTileKey: [UInt8]]>([:])
        try writePyramid(to: url, width: width, height: height, layout: .deflateRGBA, progress: progress) { level, rectangle, tileWidth, tileHeight in
            switch renderTile(level, rectangle) {
            case let .uniform(color) where rectangle.width == tileWidth && rectangle.height == tileHeight:
                let key = UniformTileKey(color: color, width: tileWidth, height: tileHeight)
                if let bytes = uniformTiles.withLock({ $0[key] }) { return .encoded(bytes) }
                let bytes = try PyramidalTIFFWriter.deflate(RGBATile.filledPixels(color, count: tileWidth * tileHeight), path: url.path)
                uniformTiles.withLock { $0[key] = bytes }
                return .encoded(bytes)
            case let .uniform(color):
                // An edge tile: its margin is transparent, so it is one colour only if `color` is.
                var pixels = [UInt8](repeating: 0, count: tileWidth * tileHeight * 4)
                RGBATile.fill(&pixels, rowLength: tileWidth, columns: 0..<rectangle.width, rows: 0..<rectangle.height, with: color)
                return .encoded(try PyramidalTIFFWriter.deflate(pixels, path: url.path))
            case let .pixels(pixels):
                precondition(pixels.count == rectangle.width * rectangle.height * 4,
                             "PyramidalTIFFWriter: \(pixels.count) bytes for a \(rectangle.width)×\(rectangle.height) RGBA tile")
                var padded = pixels
                if rectangle.width != tileWidth || rectangle.height != tileHeight {
                    padded = [UInt8](repeating: 0, count: tileWidth * tileHeight * 4)
                    for row in 0..<rectangle.height {
                        padded.replaceSubrange(row * tileWidth * 4..<(row * tileWidth + rectangle.width) * 4,
                                               with: pixels[row * rectangle.width * 4..<(row + 1) * rectangle.width * 4])
                    }
                }
                return .encoded(try PyramidalTIFFWriter.deflate(padded, path: url.path))
            }
        }
    }

    /// A one-colour RGBA tile's compressed bytes depend on its colour and size.
    private struct UniformTileKey: Hashable {
        let color: RGBAPixel
        let width: Int
        let height: Int
    }

    /// How the levels' samples are stored.
    private enum SampleLayout {
        /// 3 samples, JPEG in YCbCr (libtiff encodes on the writer queue).
        case jpegRGB
        /// 4 samples with unassociated alpha, Adobe Deflate (tiles compressed by the renderers).
        case deflateRGBA

        /// The tile side along a level side of `length` pixels. In RGBA levels smaller than a tile it
        /// is the largest multiple of 16 (TIFF's rule) that fits: OpenSlide 3.4 reads non-JPEG tiles
        /// with `TIFFRGBAImageGet` for a whole tile, and libtiff ≥ 4.5 cuts a raster wider or taller
        /// than the image to the image, so such a level would come out sheared. (OpenSlide decodes
        /// JPEG tiles itself.)
        func tileSide(levelLength length: Int) -> Int {
            let tile = PyramidalTIFFWriter.tileSize
            switch self {
            case .jpegRGB: return tile
            case .deflateRGBA: return length >= tile ? tile : max(16, length / 16 * 16)
            }
        }
    }

    /// One tile ready for the file: pixels libtiff compresses, or bytes already compressed.
    private enum TileData {
        case pixels([UInt8])
        case encoded([UInt8])
    }

    private func writePyramid(to url: URL, width: Int, height: Int, layout: SampleLayout,
                              progress: (Int, Int, Int) -> Void,
                              tile: @escaping @Sendable (_ level: Int, _ rectangle: PixelRectangle, _ tileWidth: Int, _ tileHeight: Int) throws -> TileData) throws {
        let levels = PyramidalTIFFWriter.levelSizes(width: width, height: height)
        try AtomicFile.write(to: url) { temporaryPath in
            let file = try TIFFFileHandle(path: temporaryPath, mode: width * height > 500_000_000 ? "w8" : "w")
            for (level, size) in levels.enumerated() {
                try writeLevel(file, level: level, width: size.width, height: size.height, layout: layout,
                               tile: tile, progress: progress, outputPath: url.path)
            }
        }
    }

    private func writeLevel(_ file: TIFFFileHandle, level: Int, width: Int, height: Int, layout: SampleLayout,
                            tile renderTile: @escaping @Sendable (Int, PixelRectangle, Int, Int) throws -> TileData,
                            progress: (Int, Int, Int) -> Void, outputPath: String) throws {
        let tiff = file.tiff
        let tileWidth = layout.tileSide(levelLength: width), tileHeight = layout.tileSide(levelLength: height)
        func set(_ tag: Int32, _ values: CVarArg...) throws {
            let status = withVaList(values) { TIFFVSetField(tiff, UInt32(tag), $0) }
            guard status != 0 else { throw SlideError.writeFailed(path: outputPath, reason: "libtiff rejected tag \(tag): \(file.lastError)") }
        }
        try set(TIFFTAG_SUBFILETYPE, UInt32(level == 0 ? 0 : FILETYPE_REDUCEDIMAGE))
        try set(TIFFTAG_IMAGEWIDTH, UInt32(width))
        try set(TIFFTAG_IMAGELENGTH, UInt32(height))
        try set(TIFFTAG_BITSPERSAMPLE, Int32(8))
        try set(TIFFTAG_PLANARCONFIG, Int32(PLANARCONFIG_CONTIG))
        try set(TIFFTAG_TILEWIDTH, UInt32(tileWidth))
        try set(TIFFTAG_TILELENGTH, UInt32(tileHeight))
        switch layout {
        case .jpegRGB:
            try set(TIFFTAG_SAMPLESPERPIXEL, Int32(3))
            try set(TIFFTAG_COMPRESSION, Int32(COMPRESSION_JPEG))
            try set(TIFFTAG_PHOTOMETRIC, Int32(PHOTOMETRIC_YCBCR))
            try set(TIFFTAG_YCBCRSUBSAMPLING, Int32(2), Int32(2))
            try set(TIFFTAG_JPEGQUALITY, jpegQuality)
            try set(TIFFTAG_JPEGCOLORMODE, Int32(JPEGCOLORMODE_RGB))
        case .deflateRGBA:
            try set(TIFFTAG_SAMPLESPERPIXEL, Int32(4))
            try set(TIFFTAG_COMPRESSION, Int32(COMPRESSION_ADOBE_DEFLATE))
            try set(TIFFTAG_PHOTOMETRIC, Int32(PHOTOMETRIC_RGB))
            let extraSamples: [UInt16] = [UInt16(EXTRASAMPLE_UNASSALPHA)]
            try extraSamples.withUnsafeBufferPointer { try set(TIFFTAG_EXTRASAMPLES, Int32(1), $0.baseAddress!) }
        }
        try software.withCString { try set(TIFFTAG_SOFTWARE, $0) }
        if level == 0 {
            try description.withCString { try set(TIFFTAG_IMAGEDESCRIPTION, $0) }
        }
        if let micronsPerPixel {
            let pixelsPerCentimeter = 10_000 / micronsPerPixel * pow(2, Double(level))
            try set(TIFFTAG_RESOLUTIONUNIT, Int32(RESUNIT_CENTIMETER))
            try set(TIFFTAG_XRESOLUTION, pixelsPerCentimeter)
            try set(TIFFTAG_YRESOLUTION, pixelsPerCentimeter)
        }

        let columns = (width + tileWidth - 1) / tileWidth, rows = (height + tileHeight - 1) / tileHeight
        let writer = DispatchQueue(label: "hatnet.tiff-writer")
        let pending = DispatchGroup()
        let writeError = LockedValue<SlideError?>(nil)
        for row in 0..<rows {
            let tiles = ConcurrentResults<TileData>(count: columns)
            DispatchQueue.concurrentPerform(iterations: columns) { column in
                tiles.store(at: column) {
                    let rectangle = PixelRectangle(x: column * tileWidth, y: row * tileHeight, width: min(tileWidth, width - column * tileWidth),
                                                   height: min(tileHeight, height - row * tileHeight))
                    return try renderTile(level, rectangle, tileWidth, tileHeight)
                }
            }
            let rowTiles = try tiles.values()
            pending.wait()
            if let error = writeError.value { throw error }
            pending.enter()
            writer.async {
                defer { pending.leave() }
                for (column, data) in rowTiles.enumerated() {
                    let index = TIFFComputeTile(file.tiff, UInt32(column * tileWidth), UInt32(row * tileHeight), 0, 0)
                    let written: tmsize_t
                    switch data {
                    case let .pixels(pixels):
                        written = pixels.withUnsafeBytes {
                            TIFFWriteEncodedTile(file.tiff, index, UnsafeMutableRawPointer(mutating: $0.baseAddress), tmsize_t($0.count))
                        }
                    case let .encoded(bytes):
                        written = bytes.withUnsafeBytes {
                            TIFFWriteRawTile(file.tiff, index, UnsafeMutableRawPointer(mutating: $0.baseAddress), tmsize_t($0.count))
                        }
                    }
                    if written < 0 {
                        writeError.value = .writeFailed(path: outputPath, reason: "libtiff could not write tile \(index) of level \(level): \(file.lastError)")
                        return
                    }
                }
            }
            progress(level, row + 1, rows)
        }
        pending.wait()
        if let error = writeError.value { throw error }
        guard TIFFWriteDirectory(tiff) != 0 else {
            throw SlideError.writeFailed(path: outputPath, reason: "libtiff could not finish level \(level): \(file.lastError)")
        }
    }

    /// `pixels` as one zlib stream (RFC 1950), what libtiff's Adobe Deflate codec stores per tile.
    static func deflate(_ pixels: [UInt8], path: String) throws -> [UInt8] {
        var length = compressBound(uLong(pixels.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { destination in
            pixels.withUnsafeBufferPointer { source in
                compress2(destination.baseAddress, &length, source.baseAddress, uLong(source.count), Z_BEST_SPEED)
            }
        }
        guard status == Z_OK else { throw SlideError.writeFailed(path: path, reason: "zlib could not compress a tile (status \(status))") }
        output.removeSubrange(Int(length)...)
        return output
    }

    /// A full `size × size` tile: `image` in the top-left corner, the rest white.
    static func paddedTile(_ image: RGBImage, size: Int) -> [UInt8] {
        if image.width == size && image.height == size { return image.pixels }
        var tile = RGBImage(width: size, height: size)
        tile.paste(image, x: 0, y: 0)
        return tile.pixels
    }
}

/// A value shared between threads behind a lock.
final class LockedValue<Value>: @unchecked Sendable {
    private var storage: Value
    private let lock = NSLock()

    init(_ value: Value) { storage = value }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return storage }
        set { lock.lock(); storage = newValue; lock.unlock() }
    }

    /// Runs `body` on the value under the lock (a read-modify-write no other thread can split).
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&storage)
    }
}
