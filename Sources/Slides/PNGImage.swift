import CPNG
import Foundation
import FileOutput
import TensorKit

/// PNG decoding and encoding through libpng's simplified API (`png_image_*`), which reports
/// errors through `png_image.message` instead of `longjmp`, so it is safe to call from Swift.
public enum PNGImage {
    /// Decodes the PNG at `path` to 8-bit RGB. Grey images are expanded, alpha is composited over
    /// white, 16-bit samples are reduced to 8 bits.
    public static func read(path: String) throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            let reason = message(of: &image)
            png_image_free(&image)
            throw SlideError.corruptFile(path: path, format: "PNG", reason: reason)
        }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0 else {
            png_image_free(&image)
            throw SlideError.zeroSizedImage(path: path, width: width, height: height)
        }
        // The header's 31-bit extents would overflow width × height × 3 (silently, in this
        // -Ounchecked module) or ask for terabytes: check before allocating.
        do {
            try MemoryBudget.require(shape: [height, width, 3], elementSize: 1, for: "\(path): the \(width)×\(height) PNG image")
        } catch {
            png_image_free(&image)
            throw error
        }
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR) // PNG_FORMAT_RGB
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var white = png_color(red: 255, green: 255, blue: 255)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, &white, buffer.baseAddress, Int32(width * 3), nil)
        }
        guard finished != 0 else {
            let reason = message(of: &image)
            png_image_free(&image)
            throw SlideError.corruptFile(path: path, format: "PNG", reason: reason)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Writes `image` as an 8-bit RGB PNG to `url`, atomically.
    public static func write(_ image: RGBImage, to url: URL) throws {
        try write(bytes: image.pixels, width: image.width, height: image.height, channels: 3, to: url)
    }

    /// Writes a one-channel 8-bit image (`values.count == width * height`, row-major) as a grey PNG
    /// to `url`, atomically. Used for masks, whose values are small class codes.
    public static func writeGray(_ values: [UInt8], width: Int, height: Int, to url: URL) throws {
        try write(bytes: values, width: width, height: height, channels: 1, to: url)
    }

    /// Encodes 8-bit RGBA pixels (`rgba.count == width * height * 4`, row-major, straight alpha) as
    /// a PNG in memory: the format of Deep Zoom overlay tiles.
    public static func encodeRGBA(_ rgba: [UInt8], width: Int, height: Int) throws -> Data {
        precondition(width > 0 && height > 0 && rgba.count == width * height * 4,
                     "PNGImage.encodeRGBA: \(width)×\(height)×4 needs \(width * height * 4) bytes, got \(rgba.count)")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA) // PNG_FORMAT_RGBA
        defer { png_image_free(&image) }
        var size: png_alloc_size_t = 0
        // First call: the size needed; second: the bytes.
        let sized = rgba.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, Int32(width * 4), nil) }
        guard sized != 0, size > 0 else { throw SlideError.writeFailed(path: "PNG tile", reason: "libpng: \(message(of: &image))") }
        var output = Data(count: Int(size))
        let written = output.withUnsafeMutableBytes { destination in
            rgba.withUnsafeBytes { png_image_write_to_memory(&image, destination.baseAddress, &size, 0, $0.baseAddress, Int32(width * 4), nil) }
        }
        guard written != 0 else { throw SlideError.writeFailed(path: "PNG tile", reason: "libpng: \(message(of: &image))") }
        return output.prefix(Int(size))
    }

    private static func write(bytes: [UInt8], width: Int, height: Int, channels: Int, to url: URL) throws {
        precondition(bytes.count == width * height * channels,
                     "PNGImage.write: \(width)×\(height)×\(channels) needs \(width * height * channels) bytes, got \(bytes.count)")
        guard width > 0, height > 0 else {
            throw SlideError.writeFailed(path: url.path, reason: "cannot write an empty \(width)×\(height) image")
        }
        try AtomicFile.write(to: url) { temporaryPath in
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            image.width = UInt32(width)
            image.height = UInt32(height)
            image.format = channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0 // PNG_FORMAT_RGB or PNG_FORMAT_GRAY
            let written = bytes.withUnsafeBytes { buffer in
                png_image_write_to_file(&image, temporaryPath, 0, buffer.baseAddress, Int32(width * channels), nil)
            }
            defer { png_image_free(&image) }
            guard written != 0 else {
                throw SlideError.writeFailed(path: url.path, reason: "libpng: \(message(of: &image))")
            }
        }
    }

    /// The NUL-terminated text in libpng's fixed-size `message` field.
    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
