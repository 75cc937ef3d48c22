import FileOutput
import Foundation
import Reports

/// A slide's ground-truth annotations, ready for drawing and measuring: the polygons when they came
/// from GeoJSON (empty for a label mask) and the mask on the visualisation raster.
public struct SlideAnnotations: Sendable {
    /// The GeoJSON or label-mask file they were read from.
    public let source: URL
    /// Polygons in level-0 pixels (empty when read from a label mask).
    public let annotations: [Annotation]
    /// Annotated pixels of the raster.
    public let mask: AnnotationMask

    public init(source: URL, annotations: [Annotation], mask: AnnotationMask) {
        self.source = source
        self.annotations = annotations
        self.mask = mask
    }

    /// Reads `url` — a GeoJSON file (QuPath export) or, when it starts with an image signature, a
    /// label-mask image (non-zero = annotated) — onto `raster`.
    /// - Throws: ``ReportFileError`` naming the file and what is wrong with it.
    public init(contentsOf url: URL, raster: SlideRaster) throws {
        let head: Data
        do {
            // A FIFO would block the open until a writer comes.
            try FileContents.requireRegularFile(url, kind: "GeoJSON or label-mask file")
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: 8) ?? Data()
        } catch {
            throw ReportFileError(path: url.path, problem: "cannot read the annotations (\(error.localizedDescription))")
        }
        if Self.isImage(head) {
            self.init(source: url, annotations: [], mask: try AnnotationMask(labelImageAt: url, raster: raster))
        } else {
            let annotations = try GeoJSONAnnotationReader.read(contentsOf: url)
            self.init(source: url, annotations: annotations, mask: AnnotationMask(annotations: annotations, raster: raster))
        }
    }

    /// PNG, JPEG or TIFF magic bytes.
    private static func isImage(_ head: Data) -> Bool {
        let bytes = [UInt8](head)
        return bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) || bytes.starts(with: [0xFF, 0xD8, 0xFF])
            || bytes.starts(with: [0x49, 0x49, 0x2A]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A])
    }
}
