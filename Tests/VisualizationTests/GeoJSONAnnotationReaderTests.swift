import Foundation
import Reports
import Testing
@testable import Visualization

/// QuPath-style GeoJSON exports: the shapes QuPath writes are read with holes, MultiPolygons and
/// class names; damaged documents fail with an error naming the file and the bad value.
@Suite struct GeoJSONAnnotationReaderTests {
    static func read(_ text: String) throws -> [Annotation] {
        try GeoJSONAnnotationReader.read(Data(text.utf8), path: "lesions.geojson")
    }

    /// The message of the error `text` raises (fails the test if it parses).
    static func problem(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            _ = try read(text)
            Issue.record("expected a ReportFileError", sourceLocation: sourceLocation)
            return ""
        } catch let error as ReportFileError {
            #expect(error.path == "lesions.geojson", sourceLocation: sourceLocation)
            return error.description
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
            return ""
        }
    }

    @Test func featureCollectionWithHolesAndMultiPolygonAsQuPathExportsIt() throws {
        let text = """
        {"type":"FeatureCollection","features":[
          {"type":"Feature","id":"a1","geometry":{"type":"Polygon","coordinates":[
             [[0,0],[100,0],[100,100],[0,100],[0,0]],
             [[25,25],[75,25],[75,75],[25,75],[25,25]]]},
           "properties":{"objectType":"annotation","name":"duct 1","classification":{"name":"DCIS","color":[240,120,0]}}},
          {"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[
             [[[200,200],[210,200],[210,210],[200,210],[200,200]]],
             [[[300,300],[320,300],[320,320],[300,320],[300,300]],[[305,305],[310,305],[310,310],[305,310],[305,305]]]]},
           "properties":{"classification":{"name":"Tumor"}}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[5,5]},"properties":{}},
          {"type":"Feature","geometry":null,"properties":{}}
        ]}
        """
        let annotations = try Self.read(text)
        #expect(annotations.count == 2, "points and null geometries enclose no area and are skipped")
        #expect(annotations[0].classification == "DCIS" && annotations[0].name == "duct 1")
        #expect(annotations[0].polygons.count == 1 && annotations[0].polygons[0].holes.count == 1)
        #expect(annotations[0].polygons[0].area == 100 * 100 - 50 * 50)
        #expect(annotations[1].classification == "Tumor" && annotations[1].polygons.count == 2)
        #expect(annotations[1].polygons[1].holes.count == 1)
        #expect(annotations[1].polygons[1].exterior[1] == SlidePoint(x: 320, y: 300))
    }

    @Test func bareGeometrySingleFeatureAndQuPathArrayExports() throws {
        let polygon = #"{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]]]}"#
        #expect(try Self.read(polygon).count == 1)
        #expect(try Self.read(#"{"type":"Feature","geometry":\#(polygon),"properties":{"classification":"Stroma"}}"#)[0].classification == "Stroma")
        let array = "[{\"type\":\"Feature\",\"geometry\":\(polygon)},{\"type\":\"Feature\",\"geometry\":\(polygon)}]"
        #expect(try Self.read(array).count == 2)
        let collection = #"{"type":"GeometryCollection","geometries":[\#(polygon),{"type":"LineString","coordinates":[[0,0],[1,1]]}]}"#
        #expect(try Self.read(collection)[0].polygons.count == 1)
    }

    @Test func malformedDocumentsNameTheFileAndTheProblem() {
        #expect(Self.problem("").contains("lesions.geojson: is not valid JSON"))
        #expect(Self.problem("{\"type\":\"FeatureCollection\",\"features\":[").contains("is not valid JSON"))
        #expect(Self.problem("42").contains("is not a GeoJSON object"))
        #expect(Self.problem(#"{"features":[]}"#).contains("has no \"type\""))
        #expect(Self.problem(#"{"type":"FeatureCollection"}"#).contains("without a \"features\" array"))
        #expect(Self.problem(#"{"type":"Feature","properties":{}}"#).contains("without a \"geometry\""))
        #expect(Self.problem(#"{"type":"Circle","coordinates":[1,2]}"#).contains("unknown geometry type \"Circle\""))
        let shortRing = #"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}}]}"#
        #expect(Self.problem(shortRing).contains("features[0].geometry.coordinates[0] is a ring of 2 positions"))
        let badPosition = #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,"x"],[1,1],[0,0]]]]}"#
        #expect(Self.problem(badPosition).contains("coordinates[0][0][1] is not an [x, y] position"))
        #expect(Self.problem(#"{"type":"Polygon","coordinates":[]}"#).contains("coordinates is not a non-empty array of rings"))
        #expect(Self.problem(#"{"type":"Polygon","coordinates":"none"}"#).contains("coordinates is not a non-empty array of rings"))
    }

    @Test func missingFileIsNamed() {
        #expect(throws: ReportFileError.self) {
            try GeoJSONAnnotationReader.read(contentsOf: URL(fileURLWithPath: "/nonexistent/lesions.geojson"))
        }
    }
}
