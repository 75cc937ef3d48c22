import FileOutput
import Foundation
import Reports

/// Reads annotations from GeoJSON as QuPath exports them, coordinates in level-0 slide pixels.
///
/// Accepted documents: a `FeatureCollection`, a single `Feature`, a bare geometry, or a JSON array
/// of features (QuPath 0.2's "Export objects"). Geometries: `Polygon` and `MultiPolygon` (holes
/// kept) and `GeometryCollection`s of them; `Point` and `LineString` geometries (and their `Multi`
/// forms) enclose no area and are skipped, as are features whose geometry is `null`. The label is
/// `properties.classification.name` (or a plain string `classification`) and `properties.name`.
///
/// Every problem is a ``ReportFileError`` naming the file and the JSON path of the offending
/// value, e.g. `lesions.geojson: features[2].geometry.coordinates[0] is a ring of 2 positions; a
/// polygon ring needs at least 3`.
public enum GeoJSONAnnotationReader {
    /// Reads the annotations of the GeoJSON file at `url`.
    public static func read(contentsOf url: URL) throws -> [Annotation] {
        return try read(try FileContents.read(url, kind: "GeoJSON document"), path: url.path)
    }

    /// Reads annotations from GeoJSON `data`; `path` names the source in errors.
    public static func read(_ data: Data, path: String) throws -> [Annotation] {
        let document: Any
        do { document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw ReportFileError(path: path, problem: "is not valid JSON (\(describe(error)))")
        }
        return try Parser(path: path).annotations(in: document, at: "")
    }

    private static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }

    /// Walks the document, remembering the file path for its errors.
    private struct Parser {
        let path: String

        func failure(_ location: String, _ problem: String) -> ReportFileError {
            ReportFileError(path: path, problem: (location.isEmpty ? "the document" : location) + " " + problem)
        }

        func annotations(in value: Any, at location: String) throws -> [Annotation] {
            if let features = value as? [Any] {
                return try features.enumerated().flatMap { index, feature in
                    try self.annotations(in: feature, at: "\(location)[\(index)]")
                }
            }
            guard let object = value as? [String: Any] else {
                throw failure(location, "is not a GeoJSON object (expected a FeatureCollection, Feature or geometry)")
            }
            guard let type = object["type"] as? String else {
                throw failure(location, "has no \"type\" (expected FeatureCollection, Feature, Polygon or MultiPolygon)")
            }
            switch type {
            case "FeatureCollection":
                guard let features = object["features"] as? [Any] else {
                    throw failure(location, "is a FeatureCollection without a \"features\" array")
                }
                return try annotations(in: features, at: join(location, "features"))
            case "Feature":
                return try feature(object, at: location).map { [$0] } ?? []
            default:
                let polygons = try geometry(object, at: location)
                return polygons.isEmpty ? [] : [Annotation(polygons: polygons)]
            }
        }

        func feature(_ object: [String: Any], at location: String) throws -> Annotation? {
            guard let geometryValue = object["geometry"] else {
                throw failure(location, "is a Feature without a \"geometry\" member")
            }
            if geometryValue is NSNull { return nil }
            guard let geometryObject = geometryValue as? [String: Any] else {
                throw failure(join(location, "geometry"), "is not a GeoJSON geometry object")
            }
            let polygons = try geometry(geometryObject, at: join(location, "geometry"))
            guard !polygons.isEmpty else { return nil }
            let properties = object["properties"] as? [String: Any] ?? [:]
            let classification = (properties["classification"] as? [String: Any])?["name"] as? String
                ?? properties["classification"] as? String
            return Annotation(polygons: polygons, classification: classification, name: properties["name"] as? String)
        }

        func geometry(_ object: [String: Any], at location: String) throws -> [AnnotationPolygon] {
            guard let type = object["type"] as? String else {
                throw failure(location, "has no \"type\" (expected Polygon or MultiPolygon)")
            }
            switch type {
            case "Polygon":
                return [try polygon(object["coordinates"], at: join(location, "coordinates"))]
            case "MultiPolygon":
                guard let polygons = object["coordinates"] as? [Any] else {
                    throw failure(join(location, "coordinates"), "is not an array of polygons")
                }
                return try polygons.enumerated().map { index, coordinates in
                    try polygon(coordinates, at: join(location, "coordinates") + "[\(index)]")
                }
            case "GeometryCollection":
                guard let geometries = object["geometries"] as? [Any] else {
                    throw failure(location, "is a GeometryCollection without a \"geometries\" array")
                }
                return try geometries.enumerated().flatMap { index, member in
                    let memberLocation = join(location, "geometries") + "[\(index)]"
                    guard let memberObject = member as? [String: Any] else {
                        throw failure(memberLocation, "is not a GeoJSON geometry object")
                    }
                    return try geometry(memberObject, at: memberLocation)
                }
            case "Point", "MultiPoint", "LineString", "MultiLineString":
                return []
            default:
                throw failure(location, "has unknown geometry type \"\(type)\"")
            }
        }

        func polygon(_ value: Any?, at location: String) throws -> AnnotationPolygon {
            guard let rings = value as? [Any], !rings.isEmpty else {
                throw failure(location, "is not a non-empty array of rings")
            }
            let parsed = try rings.enumerated().map { index, ring in try self.ring(ring, at: location + "[\(index)]") }
            return AnnotationPolygon(exterior: parsed[0], holes: Array(parsed.dropFirst()))
        }

        func ring(_ value: Any, at location: String) throws -> [SlidePoint] {
            guard let positions = value as? [Any] else { throw failure(location, "is not an array of positions") }
            let points = try positions.enumerated().map { index, position -> SlidePoint in
                guard let pair = position as? [Any], pair.count >= 2,
                      let x = JSONNumber.value(pair[0]), let y = JSONNumber.value(pair[1]), x.isFinite, y.isFinite else {
                    throw failure(location + "[\(index)]", "is not an [x, y] position of two numbers")
                }
                return SlidePoint(x: x, y: y)
            }
            guard points.count >= 3 else {
                throw failure(location, "is a ring of \(points.count) positions; a polygon ring needs at least 3")
            }
            return points
        }

        func join(_ location: String, _ key: String) -> String { location.isEmpty ? key : location + "." + key }
    }
}
