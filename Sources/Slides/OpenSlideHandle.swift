import COpenSlide
import Foundation

/// Owns one `openslide_t*` and closes it in `deinit`. OpenSlide handles are thread-safe, so one
/// handle can serve concurrent region reads.
final class OpenSlideHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let path: String

    /// Opens `path` with OpenSlide, or returns `nil` when OpenSlide does not recognise the format.
    /// Throws when OpenSlide recognises the file but cannot read it.
    init?(path: String) throws {
        guard openslide_detect_vendor(path) != nil, let pointer = openslide_open(path) else { return nil }
        self.pointer = pointer
        self.path = path
        if let message = error {
            throw SlideError.corruptFile(path: path, format: "slide", reason: "OpenSlide: \(message)")
        }
    }

    deinit { openslide_close(pointer) }

    /// The handle's sticky error, if OpenSlide has recorded one (after which it is unusable).
    var error: String? { openslide_get_error(pointer).map { String(cString: $0) } }

    var levelCount: Int { Int(openslide_get_level_count(pointer)) }

    func levelSize(_ level: Int) -> (width: Int, height: Int) {
        var width: Int64 = 0, height: Int64 = 0
        openslide_get_level_dimensions(pointer, Int32(level), &width, &height)
        return (Int(width), Int(height))
    }

    func levelDownsample(_ level: Int) -> Double { openslide_get_level_downsample(pointer, Int32(level)) }

    /// Every property OpenSlide exposes for this slide.
    func properties() -> [String: String] {
        var result: [String: String] = [:]
        guard let names = openslide_get_property_names(pointer) else { return result }
        var index = 0
        while let name = names[index] {
            if let value = openslide_get_property_value(pointer, name) {
                result[String(cString: name)] = String(cString: value)
            }
            index += 1
        }
        return result
    }

    /// Reads premultiplied ARGB pixels (`width * height` native-endian words) of `level` into
    /// `destination`; `x`, `y` are level-0 coordinates, as OpenSlide expects.
    func readARGB(into destination: UnsafeMutablePointer<UInt32>, level0X x: Int, level0Y y: Int,
                  level: Int, width: Int, height: Int) throws {
        openslide_read_region(pointer, destination, Int64(x), Int64(y), Int32(level), Int64(width), Int64(height))
        if let message = error {
            throw SlideError.corruptFile(path: path, format: "slide", reason: "OpenSlide: \(message)")
        }
    }
}
