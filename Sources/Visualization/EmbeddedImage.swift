import FileOutput
import Foundation
import Reports

/// A PNG image carried inside the HTML report as a `data:` URI, so the report is one
/// self-contained file.
public struct EmbeddedImage: Sendable {
    /// What the image shows, written under it.
    public let caption: String
    /// `data:image/png;base64,…`.
    public let dataURI: String

    /// Reads the PNG at `url`.
    /// - Throws: ``ReportFileError`` naming the file when it cannot be read or is not a PNG.
    public init(pngAt url: URL, caption: String) throws {
        let data: Data
        do { data = try FileContents.read(url, kind: "PNG image") } catch let error as FileError {
            throw ReportFileError(path: url.path, problem: "cannot read the image for the report: \(error.problem)")
        }
        guard data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw ReportFileError(path: url.path, problem: "is not a PNG image, so it cannot be embedded in the report")
        }
        self.caption = caption
        dataURI = "data:image/png;base64," + data.base64EncodedString()
    }

    /// A `<figure>` with the image and its caption.
    var html: String {
        let caption = HTMLText.escaped(self.caption)
        return "<figure><img src=\"\(dataURI)\" alt=\"\(caption)\"><figcaption>\(caption)</figcaption></figure>"
    }
}
