import Foundation
import FuzzSupport
import Slides

/// Fuzzes the plain-TIFF reader (libtiff's RGBA interface, and our size checks around it).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        let tiled = try FuzzInput.bytes { url in
            try PyramidalTIFFWriter(description: "fuzz seed").write(to: url, width: 24, height: 16) { _, rectangle in
                RGBImage(width: rectangle.width, height: rectangle.height, filledWith: (200, 120, 180))
            }
        }
        return [("tiled-jpeg.tiff", tiled), ("strip.tiff", uncompressedStripTIFF(width: 5, height: 3))]
    }
    return 0
}

/// A little-endian, uncompressed, single-strip RGB TIFF, built field by field (seeds only).
private func uncompressedStripTIFF(width: Int, height: Int) -> Data {
    var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]
    func append16(_ value: Int) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func append32(_ value: Int) { append16(value & 0xFFFF); append16(value >> 16) }
    let pixelBytes = width * height * 3
    // (tag, type 3 = SHORT / 4 = LONG, value); the strip follows the IFD and the bits-per-sample array.
    let entryCount = 10
    let ifdEnd = 8 + 2 + entryCount * 12 + 4
    let bitsOffset = ifdEnd, stripOffset = ifdEnd + 6
    let entries: [(Int, Int, Int, Int)] = [
        (256, 3, 1, width), (257, 3, 1, height), (258, 3, 3, bitsOffset), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, stripOffset), (277, 3, 1, 3), (278, 3, 1, height), (279, 4, 1, pixelBytes), (284, 3, 1, 1),
    ]
    append16(entryCount)
    for (tag, type, count, value) in entries {
        append16(tag); append16(type); append32(count)
        if type == 3 && count == 1 { append16(value); append16(0) } else { append32(value) }
    }
    append32(0)  // no next IFD
    append16(8); append16(8); append16(8)
    bytes += (0..<pixelBytes).map { UInt8(truncatingIfNeeded: $0 * 11) }
    return Data(bytes)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "input.tiff")
    do { _ = try TIFFImage.read(path: url.path) } catch { FuzzInput.requireNamesFile(error, url.path) }
    return 0
}
