import Foundation
import FuzzSupport
import Slides

/// Fuzzes the PNG reader (libpng's simplified API, and our size checks around it).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        let pixels = (0..<(12 * 9 * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let rgb = try FuzzInput.bytes { try PNGImage.write(RGBImage(width: 12, height: 9, pixels: pixels), to: $0) }
        let gray = try FuzzInput.bytes { try PNGImage.writeGray((0..<64).map { UInt8($0 * 4) }, width: 8, height: 8, to: $0) }
        return [("rgb.png", rgb), ("gray.png", gray)]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "input.png")
    do { _ = try PNGImage.read(path: url.path) } catch { FuzzInput.requireNamesFile(error, url.path) }
    return 0
}
