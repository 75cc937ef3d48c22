import FileOutput
import Foundation

/// Opens any slide or image file this module reads.
///
/// OpenSlide is asked first (it recognises vendor formats and tiled TIFF pyramids); otherwise the
/// first bytes decide between PNG, JPEG and TIFF. Missing, empty, truncated, corrupt, zero-sized and
/// non-image files raise a ``SlideError`` naming the file.
public func openSlide(_ url: URL) throws -> any SlideSource {
    let path = url.path
    let size: Int
    do { size = try FileContents.requireRegularFile(url, kind: "slide") } catch let error as FileError {
        throw SlideError.unreadableFile(path: path, reason: error.problem)
    }
    if size == 0 { throw SlideError.emptyFile(path: path) }

    let signature = try FileSignature.read(path: path)
    // OpenSlide's detection of PNG and JPEG would fail anyway; skip it for them.
    if signature != .png && signature != .jpeg, let slide = try OpenSlideSource(url: url) {
        return slide
    }
    switch signature {
    case .png: return ImageSource(url: url, image: try PNGImage.read(path: path), format: "png")
    case .jpeg: return ImageSource(url: url, image: try JPEGImage.read(path: path), format: "jpeg")
    case .tiff: return ImageSource(url: url, image: try TIFFImage.read(path: path), format: "tiff")
    case .unknown: throw SlideError.unrecognisedFormat(path: path)
    }
}

/// The image format announced by a file's first bytes.
enum FileSignature {
    case png, jpeg, tiff, unknown

    static func read(path: String) throws -> FileSignature {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw SlideError.unreadableFile(path: path, reason: "cannot open for reading")
        }
        defer { try? file.close() }
        let head = [UInt8]((try? file.read(upToCount: 8)) ?? Data())
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
            || head.starts(with: [0x49, 0x49, 0x2B, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2B]) { return .tiff }
        return .unknown
    }
}
