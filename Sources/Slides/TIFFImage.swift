import CTIFF
import Foundation
import TensorKit

/// Plain (non-pyramidal or not OpenSlide-readable) TIFF decoding through libtiff's RGBA interface,
/// which handles every photometric interpretation and compression libtiff knows.
public enum TIFFImage {
    /// Decodes the first directory of the TIFF at `path` to 8-bit RGB, compositing any alpha over
    /// white.
    public static func read(path: String) throws -> RGBImage {
        let file = try TIFFFileHandle(path: path, mode: "r")
        var width: UInt32 = 0, height: UInt32 = 0
        _ = getUInt32Field(file.tiff, tag: UInt32(TIFFTAG_IMAGEWIDTH), into: &width)
        _ = getUInt32Field(file.tiff, tag: UInt32(TIFFTAG_IMAGELENGTH), into: &height)
        guard width > 0, height > 0 else {
            throw SlideError.zeroSizedImage(path: path, width: Int(width), height: Int(height))
        }
        let pixelCount = Int(width) * Int(height)
        guard pixelCount <= 1 << 30 else {
            throw SlideError.invalidRegion(path: path, reason: "a \(width)×\(height) plain TIFF is too large to decode at once; store it as a tiled pyramid")
        }
        // The RGBA raster (4 bytes a pixel) and the RGB result (3) are alive together.
        try MemoryBudget.require(elements: pixelCount, elementSize: 7, for: "\(path): the \(width)×\(height) TIFF image")
        var raster = [UInt32](repeating: 0, count: pixelCount)
        let status = raster.withUnsafeMutableBufferPointer { buffer in
            TIFFReadRGBAImageOriented(file.tiff, width, height, buffer.baseAddress, Int32(ORIENTATION_TOPLEFT), 1)
        }
        guard status != 0 else {
            throw SlideError.corruptFile(path: path, format: "TIFF", reason: file.lastError)
        }
        var pixels = [UInt8](repeating: 0, count: pixelCount * 3)
        for index in 0..<pixelCount {
            // libtiff packs premultiplied ABGR (red in the lowest byte); over white, each channel
            // becomes value + (255 − alpha).
            let packed = raster[index]
            let transparency = 255 - Int(packed >> 24)
            for channel in 0..<3 {
                let value = Int((packed >> (8 * UInt32(channel))) & 0xFF)
                pixels[index * 3 + channel] = UInt8(min(255, value + transparency))
            }
        }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Reads a 32-bit unsigned tag. `TIFFGetField` is variadic and not callable from Swift, so this
    /// goes through its `va_list` twin `TIFFVGetField`.
    static func getUInt32Field(_ tiff: OpaquePointer, tag: UInt32, into value: inout UInt32) -> Bool {
        withUnsafeMutablePointer(to: &value) { pointer in
            withVaList([pointer]) { arguments in TIFFVGetField(tiff, tag, arguments) } != 0
        }
    }
}
