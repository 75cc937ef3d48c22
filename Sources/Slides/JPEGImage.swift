import CTurboJPEG
import Foundation
import TensorKit

/// JPEG decoding through libjpeg-turbo's TurboJPEG API, with the accurate integer DCT and smooth
/// chroma upsampling (the same choices PIL makes), so decoded pixels match PIL's.
public enum JPEGImage {
    /// Decodes the JPEG file at `path` to 8-bit RGB. Warnings (such as a truncated stream) are
    /// treated as errors: a damaged slide must not silently turn into grey pixels.
    public static func read(path: String) throws -> RGBImage {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SlideError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        return try decode(data, path: path)
    }

    /// Decodes JPEG bytes; `path` only names the source in error messages.
    public static func decode(_ data: Data, path: String) throws -> RGBImage {
        let decoder = try TurboJPEGDecoder(path: path)
        return try decoder.decode(data)
    }
}

/// Owns one TurboJPEG decompressor handle and destroys it in `deinit`.
final class TurboJPEGDecoder {
    private let handle: tjhandle
    private let path: String

    init(path: String) throws {
        guard let handle = tjInitDecompress() else {
            throw SlideError.corruptFile(path: path, format: "JPEG", reason: "cannot create a TurboJPEG decompressor")
        }
        self.handle = handle
        self.path = path
    }

    deinit { tjDestroy(handle) }

    func decode(_ data: Data) throws -> RGBImage {
        guard !data.isEmpty else { throw SlideError.emptyFile(path: path) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> RGBImage in
            let bytes = raw.bindMemory(to: UInt8.self).baseAddress
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            guard tjDecompressHeader3(handle, bytes, UInt(data.count), &width, &height, &subsampling, &colorspace) == 0 else {
                throw SlideError.corruptFile(path: path, format: "JPEG", reason: lastError())
            }
            guard width > 0, height > 0 else {
                throw SlideError.zeroSizedImage(path: path, width: Int(width), height: Int(height))
            }
            try MemoryBudget.require(shape: [Int(height), Int(width), 3], elementSize: 1,
                                     for: "\(path): the \(width)×\(height) JPEG image")
            var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
            let status = pixels.withUnsafeMutableBufferPointer { destination in
                tjDecompress2(handle, bytes, UInt(data.count), destination.baseAddress, width, 0, height,
                              Int32(TJPF_RGB.rawValue), 0)
            }
            guard status == 0 else {
                throw SlideError.corruptFile(path: path, format: "JPEG", reason: lastError())
            }
            return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    private func lastError() -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }
}

extension JPEGImage {
    /// Encodes `image` as a baseline JPEG with TurboJPEG (4:2:0 chroma subsampling, `quality` 1…100),
    /// the format of Deep Zoom slide tiles.
    public static func encode(_ image: RGBImage, quality: Int32 = 75) throws -> Data {
        precondition((1...100).contains(quality), "JPEGImage.encode: quality \(quality) outside 1…100")
        guard image.width > 0, image.height > 0 else {
            throw SlideError.writeFailed(path: "JPEG tile", reason: "cannot encode an empty \(image.width)×\(image.height) image")
        }
        let encoder = try TurboJPEGEncoder()
        return try encoder.encode(image, quality: quality)
    }
}

/// Owns one TurboJPEG compressor handle and destroys it in `deinit`.
final class TurboJPEGEncoder {
    private let handle: tjhandle

    init() throws {
        guard let handle = tjInitCompress() else {
            throw SlideError.writeFailed(path: "JPEG tile", reason: "cannot create a TurboJPEG compressor")
        }
        self.handle = handle
    }

    deinit { tjDestroy(handle) }

    func encode(_ image: RGBImage, quality: Int32) throws -> Data {
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &output, &size, Int32(TJSAMP_420.rawValue), quality, 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            let reason = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown TurboJPEG error"
            throw SlideError.writeFailed(path: "JPEG tile", reason: reason)
        }
        return Data(bytes: output, count: Int(size))
    }
}
