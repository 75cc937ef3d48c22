import CTIFF
import Foundation

/// Owns one libtiff `TIFF*` (opened for reading or writing) and closes it in `deinit`.
///
/// libtiff reports problems through handler callbacks; this type installs per-file handlers
/// (libtiff ≥ 4.5 `TIFFOpenOptions`) that collect the messages, so errors can name the file and
/// the reason instead of being printed to stderr. libtiff handles are not thread-safe: one thread
/// at a time may use a handle (the pyramid writer hands it to its single writer queue).
final class TIFFFileHandle: @unchecked Sendable {
    /// The open libtiff handle; valid until this object is released.
    let tiff: OpaquePointer
    let path: String
    private let messages: TIFFMessageLog

    /// Opens `path` with libtiff `mode` ("r", "w", "w8" for BigTIFF).
    init(path: String, mode: String) throws {
        let messages = TIFFMessageLog()
        guard let options = TIFFOpenOptionsAlloc() else {
            throw SlideError.unreadableFile(path: path, reason: "libtiff could not allocate open options")
        }
        defer { TIFFOpenOptionsFree(options) }
        let context = Unmanaged.passUnretained(messages).toOpaque()
        TIFFOpenOptionsSetErrorHandlerExtR(options, tiffErrorCollector, context)
        TIFFOpenOptionsSetWarningHandlerExtR(options, tiffWarningIgnorer, nil)
        guard let tiff = TIFFOpenExt(path, mode, options) else {
            let reason = messages.last ?? "libtiff could not open it"
            if mode.hasPrefix("r") {
                throw SlideError.corruptFile(path: path, format: "TIFF", reason: reason)
            }
            throw SlideError.writeFailed(path: path, reason: reason)
        }
        self.tiff = tiff
        self.path = path
        self.messages = messages
    }

    deinit { TIFFClose(tiff) }

    /// The most recent libtiff error message for this file, or a generic text.
    var lastError: String { messages.last ?? "libtiff reported an error without a message" }
}

/// Collects libtiff error messages for one file.
final class TIFFMessageLog {
    private(set) var last: String?
    func record(_ message: String) { last = message }
}

/// libtiff error callback: formats the message with `vsnprintf` and stores it in the
/// `TIFFMessageLog` passed as user data. Returns 1 ("handled") so libtiff prints nothing.
private func tiffErrorCollector(_ tiff: OpaquePointer?, _ userData: UnsafeMutableRawPointer?,
                                _ module: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?,
                                _ arguments: CVaListPointer?) -> Int32 {
    guard let userData, let format, let arguments else { return 1 }
    var buffer = [CChar](repeating: 0, count: 512)
    _ = vsnprintf(&buffer, buffer.count, format, arguments)
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let prefix = module.map { String(cString: $0) + ": " } ?? ""
    Unmanaged<TIFFMessageLog>.fromOpaque(userData).takeUnretainedValue().record(prefix + text)
    return 1
}

/// libtiff warning callback: warnings (unknown tags and the like) are not errors; drop them.
private func tiffWarningIgnorer(_ tiff: OpaquePointer?, _ userData: UnsafeMutableRawPointer?,
                                _ module: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?,
                                _ arguments: CVaListPointer?) -> Int32 {
    1
}
