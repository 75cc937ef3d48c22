import Foundation

/// Why a slide or image could not be opened, read or written. Every case names the file.
public enum SlideError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be opened for reading.
    case unreadableFile(path: String, reason: String)
    /// The file exists but holds no bytes.
    case emptyFile(path: String)
    /// The bytes are not a format this module reads (OpenSlide formats, PNG, JPEG or TIFF).
    case unrecognisedFormat(path: String)
    /// The file claims a known format but its contents are damaged or cut short.
    case corruptFile(path: String, format: String, reason: String)
    /// The image decodes to zero width or height.
    case zeroSizedImage(path: String, width: Int, height: Int)
    /// A region or level outside the slide was requested.
    case invalidRegion(path: String, reason: String)
    /// Writing an output file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read the file (\(reason))"
        case let .emptyFile(path): return "\(path): the file is empty (0 bytes)"
        case let .unrecognisedFormat(path):
            return "\(path): not a slide or image this tool reads (OpenSlide formats, PNG, JPEG, TIFF)"
        case let .corruptFile(path, format, reason): return "\(path): damaged \(format) file: \(reason)"
        case let .zeroSizedImage(path, width, height): return "\(path): the image has no pixels (\(width)×\(height))"
        case let .invalidRegion(path, reason): return "\(path): \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write the file (\(reason))"
        }
    }
}

extension SlideError: LocalizedError {
    public var errorDescription: String? { description }
}
