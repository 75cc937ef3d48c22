import CTurboJPEGSeeds
import Foundation
import FuzzSupport
import Slides

/// Fuzzes the JPEG decoder (TurboJPEG, and our size checks around it), on bytes in memory.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        [("rgb420.jpg", try jpeg(width: 16, height: 12, subsampling: TJSAMP_420)),
         ("rgb444.jpg", try jpeg(width: 9, height: 7, subsampling: TJSAMP_444)),
         ("gray.jpg", try jpeg(width: 8, height: 8, subsampling: TJSAMP_GRAY))]
    }
    return 0
}

/// A small gradient compressed by libjpeg-turbo (seeds only).
private func jpeg(width: Int, height: Int, subsampling: TJSAMP) throws -> Data {
    let pixels = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 * 5 + ($0 / (width * 3)) * 17) }
    guard let handle = tjInitCompress() else { throw CocoaError(.featureUnsupported) }
    defer { tjDestroy(handle) }
    var output: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = pixels.withUnsafeBufferPointer { source in
        tjCompress2(handle, source.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue),
                    &output, &size, Int32(subsampling.rawValue), 85, 0)
    }
    guard status == 0, let output else { throw CocoaError(.fileWriteUnknown) }
    defer { tjFree(output) }
    return Data(bytes: output, count: Int(size))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = "/fuzz/input.jpg"
    do { _ = try JPEGImage.decode(FuzzInput.data(bytes, count), path: path) } catch { FuzzInput.requireNamesFile(error, path) }
    return 0
}
