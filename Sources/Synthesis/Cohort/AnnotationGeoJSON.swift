import Foundation
import FileOutput

/// Lesion annotations as a GeoJSON `FeatureCollection` in the form QuPath exports and imports:
/// one `Polygon` feature per lesion (level-0 pixel coordinates, ring closed), with
/// `properties.objectType = "annotation"` and `properties.classification = {name, color}`.
public enum AnnotationGeoJSON {
    /// The GeoJSON text for `lesions`.
    public static func text(for lesions: [SyntheticLesion]) -> String {
        let features = lesions.map { lesion -> String in
            let ring = lesion.polygon().map { "[\(format($0.x)),\(format($0.y))]" }.joined(separator: ",")
            let (red, green, blue) = lesion.diagnosticClass.annotationColor
            return """
            {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[\(ring)]]},\
            "properties":{"objectType":"annotation","classification":{"name":"\(lesion.diagnosticClass.name)",\
            "color":[\(red),\(green),\(blue)]}}}
            """
        }
        return "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n") + "\n]}\n"
    }

    /// Writes the annotations to `url` atomically.
    public static func write(_ lesions: [SyntheticLesion], to url: URL) throws {
        try AtomicFile.write(text(for: lesions), to: url)
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
