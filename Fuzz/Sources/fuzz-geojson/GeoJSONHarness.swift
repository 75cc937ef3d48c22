import Foundation
import FuzzSupport
import Visualization

/// Fuzzes the GeoJSON annotation reader (QuPath exports), on bytes in memory.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        let collection = """
        {"type":"FeatureCollection","features":[
         {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[100,0],[100,80],[0,80],[0,0]],[[10,10],[20,10],[20,20],[10,10]]]},
          "properties":{"classification":{"name":"DCIS","colorRGB":-65536},"name":"duct 1"}},
         {"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[5,5],[9,5],[9,9],[5,5]]],[[[50,50],[60,50],[60,70],[50,50]]]]},
          "properties":{"classification":"Invasive"}},
         {"type":"Feature","geometry":null,"properties":{}},
         {"type":"Feature","geometry":{"type":"Point","coordinates":[3,4]},"properties":{}}]}
        """
        let array = """
        [{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]]]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]},"properties":{"name":"a"}}]
        """
        let bare = #"{"type":"Polygon","coordinates":[[[1.5,2.5],[30.25,2],[30,40],[1.5,2.5]]]}"#
        return [("collection.geojson", Data(collection.utf8)), ("array.geojson", Data(array.utf8)),
                ("polygon.geojson", Data(bare.utf8))]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = "/fuzz/annotations.geojson"
    do { _ = try GeoJSONAnnotationReader.read(FuzzInput.data(bytes, count), path: path) } catch {
        FuzzInput.requireNamesFile(error, path)
    }
    return 0
}
