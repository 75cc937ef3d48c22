import CTIFF
import Dispatch
import Foundation

/// A fast path for TIFF pyramids whose levels are JPEG-compressed tiles (OpenSlide's generic tiled
/// TIFF, which `hatnet synth` writes): tiles are read with `pread` and decoded with TurboJPEG
/// straight to RGB on all cores, instead of OpenSlide's decode → ARGB → cairo compositing path,
/// which is several times slower. Decoding uses the same libjpeg-turbo settings as OpenSlide
/// (accurate DCT, smooth chroma upsampling), so the pixels are the same.
///
/// Created only when every OpenSlide level matches a tiled JPEG directory of the file with 8-bit
/// RGB/YCbCr samples; otherwise `OpenSlideSource` reads through OpenSlide.
final class TIFFJPEGTileReader: @unchecked Sendable {
    /// One tiled directory.
    struct Level {
        let width: Int
        let height: Int
        let tileWidth: Int
        let tileHeight: Int
        let tileOffsets: [UInt64]
        let tileByteCounts: [UInt64]
        /// The JPEGTables stream (SOI, tables, EOI), empty when tiles are self-contained.
        let jpegTables: [UInt8]

        var tilesAcross: Int { (width + tileWidth - 1) / tileWidth }
    }

    let path: String
    let levels: [Level]
    /// Owns the descriptor the tiles are read from (closed when this reader is released).
    private let file: FileHandle

    /// Reads the directory structure of `path`, matching `levelSizes` (OpenSlide's levels);
    /// returns `nil` when the file does not qualify for the fast path.
    init?(path: String, levelSizes: [SlideLevel]) {
        guard let tiff = try? TIFFFileHandle(path: path, mode: "r"), let file = FileHandle(forReadingAtPath: path) else { return nil }
        var directories: [Level] = []
        repeat {
            if let level = TIFFJPEGTileReader.describeDirectory(tiff.tiff) { directories.append(level) }
        } while TIFFReadDirectory(tiff.tiff) == 1
        var levels: [Level] = []
        for size in levelSizes {
            guard let match = directories.first(where: { $0.width == size.width && $0.height == size.height }) else { return nil }
            levels.append(match)
        }
        self.path = path
        self.levels = levels
        self.file = file
    }

    /// The current directory as a level, if it is tiled, JPEG, 8-bit, 3 samples, RGB or YCbCr.
    private static func describeDirectory(_ tiff: OpaquePointer) -> Level? {
        guard TIFFIsTiled(tiff) != 0 else { return nil }
        var compression: UInt16 = 0, photometric: UInt16 = 0, samples: UInt16 = 0, bits: UInt16 = 0, planar: UInt16 = 1
        var width: UInt32 = 0, height: UInt32 = 0, tileWidth: UInt32 = 0, tileHeight: UInt32 = 0
        func get<T>(_ tag: Int32, _ value: inout T) -> Bool {
            withUnsafeMutablePointer(to: &value) { pointer in withVaList([pointer]) { TIFFVGetField(tiff, UInt32(tag), $0) } != 0 }
        }
        guard get(TIFFTAG_COMPRESSION, &compression), compression == COMPRESSION_JPEG,
              get(TIFFTAG_PHOTOMETRIC, &photometric), photometric == PHOTOMETRIC_YCBCR || photometric == PHOTOMETRIC_RGB,
              get(TIFFTAG_SAMPLESPERPIXEL, &samples), samples == 3,
              get(TIFFTAG_BITSPERSAMPLE, &bits), bits == 8,
              get(TIFFTAG_IMAGEWIDTH, &width), get(TIFFTAG_IMAGELENGTH, &height),
              get(TIFFTAG_TILEWIDTH, &tileWidth), get(TIFFTAG_TILELENGTH, &tileHeight), tileWidth > 0, tileHeight > 0
        else { return nil }
        _ = get(TIFFTAG_PLANARCONFIG, &planar)
        guard planar == PLANARCONFIG_CONTIG else { return nil }
        let tileCount = Int(TIFFNumberOfTiles(tiff))
        var offsets: UnsafeMutablePointer<UInt64>?, counts: UnsafeMutablePointer<UInt64>?
        guard get(TIFFTAG_TILEOFFSETS, &offsets), get(TIFFTAG_TILEBYTECOUNTS, &counts), let offsets, let counts else { return nil }
        var tablesLength: UInt32 = 0
        var tables: UnsafeMutableRawPointer?
        let hasTables = withUnsafeMutablePointer(to: &tablesLength) { length in
            withUnsafeMutablePointer(to: &tables) { data in
                withVaList([length, data]) { TIFFVGetField(tiff, UInt32(TIFFTAG_JPEGTABLES), $0) } != 0
            }
        }
        let jpegTables: [UInt8] = hasTables && tablesLength > 4 && tables != nil
            ? Array(UnsafeRawBufferPointer(start: tables, count: Int(tablesLength))) : []
        return Level(width: Int(width), height: Int(height), tileWidth: Int(tileWidth), tileHeight: Int(tileHeight),
                     tileOffsets: Array(UnsafeBufferPointer(start: offsets, count: tileCount)),
                     tileByteCounts: Array(UnsafeBufferPointer(start: counts, count: tileCount)), jpegTables: jpegTables)
    }

    /// Reads the rectangle of `level` (level pixels, inside the level) as RGB, decoding the
    /// overlapping tiles on all cores. Missing tiles (0 bytes) are white.
    func readRegion(level index: Int, x: Int, y: Int, width: Int, height: Int) throws -> RGBImage {
        let level = levels[index]
        let firstColumn = x / level.tileWidth, lastColumn = (x + width - 1) / level.tileWidth
        let firstRow = y / level.tileHeight, lastRow = (y + height - 1) / level.tileHeight
        var output = [UInt8](repeating: 255, count: width * height * 3)
        guard width > 0, height > 0 else { return RGBImage(width: width, height: height, pixels: output) }
        let columns = lastColumn - firstColumn + 1
        let tileCount = columns * (lastRow - firstRow + 1)
        let failure = LockedValue<SlideError?>(nil)
        output.withUnsafeMutableBufferPointer { destination in
            let base = destination.baseAddress!
            DispatchQueue.concurrentPerform(iterations: tileCount) { number in
                let column = firstColumn + number % columns, row = firstRow + number / columns
                do {
                    guard let tile = try decodeTile(level: level, index: row * level.tilesAcross + column) else { return }
                    // Copy the overlap of this tile and the region.
                    let tileX = column * level.tileWidth, tileY = row * level.tileHeight
                    let left = max(x, tileX), right = min(x + width, tileX + level.tileWidth)
                    let top = max(y, tileY), bottom = min(y + height, tileY + level.tileHeight)
                    tile.withUnsafeBufferPointer { source in
                        for line in top..<bottom {
                            let from = source.baseAddress! + ((line - tileY) * level.tileWidth + (left - tileX)) * 3
                            let to = base + ((line - y) * width + (left - x)) * 3
                            to.update(from: from, count: (right - left) * 3)
                        }
                    }
                } catch let error as SlideError {
                    failure.value = error
                } catch {
                    failure.value = .corruptFile(path: path, format: "TIFF", reason: "\(error)")
                }
            }
        }
        if let error = failure.value { throw error }
        return RGBImage(width: width, height: height, pixels: output)
    }

    /// The RGB pixels of one whole tile (`tileWidth × tileHeight`), or `nil` for a missing tile.
    private func decodeTile(level: Level, index: Int) throws -> [UInt8]? {
        let byteCount = Int(level.tileByteCounts[index])
        guard byteCount > 0 else { return nil }
        var stream = [UInt8](repeating: 0, count: byteCount)
        let read = stream.withUnsafeMutableBytes { pread(file.fileDescriptor, $0.baseAddress, byteCount, off_t(level.tileOffsets[index])) }
        guard read == byteCount else {
            throw SlideError.corruptFile(path: path, format: "TIFF", reason: "tile \(index) is cut short (\(max(0, read)) of \(byteCount) bytes)")
        }
        if !level.jpegTables.isEmpty && stream.count > 2 {
            // An abbreviated tile stream: the shared tables (without their EOI) + the tile (without its SOI).
            stream = Array(level.jpegTables.dropLast(2)) + stream.dropFirst(2)
        }
        let image = try TurboJPEGDecoder(path: path).decode(Data(stream))
        guard image.width == level.tileWidth, image.height == level.tileHeight else {
            throw SlideError.corruptFile(path: path, format: "TIFF", reason: "tile \(index) decodes to \(image.width)×\(image.height), expected \(level.tileWidth)×\(level.tileHeight)")
        }
        return image.pixels
    }
}
