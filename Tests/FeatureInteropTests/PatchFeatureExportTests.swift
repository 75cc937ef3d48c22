import FeatureInterop
import Foundation
import Pipeline
import Slides
import TensorKit
import Testing
import TestSupport

/// `hatnet export features` as TRIDENT and CLAM read it: h5py (the library both use) opens the
/// files we write, and every dataset, dtype, shape, attribute and value is compared with the cache.
@Suite struct PatchFeatureExportTests {
    /// A cache of one 512×256 slide cut with --keep-aspect (bag 64, word 32: the top and bottom
    /// word rows are padding) whose word features are their index and feature number.
    private func makeCache(in directory: TemporaryDirectory) throws -> (cache: FeatureCache, features: WordFeatures) {
        let slide = directory.file("slide.png")
        try PNGImage.write(RGBImage(width: 512, height: 256, filledWith: (200, 120, 160)), to: slide)
        let scale = WordGridLayout(bagSize: 64, wordSize: 32)
        let placement = try GridPlacement(source: try openSlide(slide), layout: scale, options: WordGridOptions(keepAspect: true))
        let geometry = placement.geometry
        let count = geometry.wordRegions.count, width = 3
        let words = Tensor(shape: [geometry.bagCount, geometry.wordsPerBag, width],
                           scalars: (0..<(count * width)).map { Float($0 / width) + Float($0 % width) / 8 })
        let features = WordFeatures(words: words, geometry: geometry, tissueFractions: nil, scale: scale, view: 0)
        let cache = try FeatureCache(root: directory.file("features"), key: FeatureCacheKey(encoderName: "mobilenetv2-0.5", weightsSHA256: String(repeating: "ab", count: 32)))
        try cache.write(features, imageID: "slide_1", settings: FeatureExtractionSettings(grid: WordGridOptions(keepAspect: true), seed: 1))
        return (cache, features)
    }

    /// Prints every dataset (dtype, shape, values) and its attributes (type and value) as JSON.
    private static let dumpScript = """
        import sys, json, h5py, numpy as np
        def value(v):
            if isinstance(v, (bytes, str)):
                return {"type": "str" if isinstance(v, str) else "bytes", "value": v if isinstance(v, str) else v.decode()}
            a = np.asarray(v)
            return {"type": str(a.dtype), "shape": list(a.shape), "value": a.tolist()}
        with h5py.File(sys.argv[1], "r") as f:
            out = {}
            for name in f:
                d = f[name]
                out[name] = {"dtype": str(d.dtype), "shape": list(d.shape), "data": d[()].tolist(),
                             "attrs": {k: value(d.attrs[k]) for k in d.attrs}}
        print(json.dumps(out))
        """

    private func dump(_ url: URL) throws -> [String: [String: Any]] {
        let result = try PythonInterop.run(script: Self.dumpScript, arguments: [url.path])
        #expect(result.status == 0, "h5py could not read \(url.path): \(result.output)")
        let line = try #require(result.output.split(separator: "\n").last, "no output")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [String: Any]])
    }

    private func attribute(_ dataset: [String: Any], _ name: String) throws -> (type: String, value: Any) {
        let attributes = try #require(dataset["attrs"] as? [String: [String: Any]])
        let entry = try #require(attributes[name], "no attribute \(name) in \(attributes.keys.sorted())")
        return (try #require(entry["type"] as? String), try #require(entry["value"]))
    }

    /// The expected rows: the non-padding words in the cache's order.
    private func expectedRows(_ features: WordFeatures) -> (words: [[Float]], coords: [[Int]]) {
        let regions = features.geometry.wordRegions, width = features.featureCount, scalars = features.words.scalars
        let kept = regions.indices.filter { regions[$0].width > 0 && regions[$0].height > 0 }
        return (kept.map { Array(scalars[($0 * width)..<(($0 + 1) * width)]) },
                kept.map { [Int(regions[$0].x.rounded()), Int(regions[$0].y.rounded())] })
    }

    private func checkDatasets(_ file: [String: [String: Any]], _ features: WordFeatures) throws {
        let (words, coords) = expectedRows(features)
        #expect(words.count == 8, "a 512×256 slide in a 128×128 grid keeps the 2 middle word rows of 4")
        let featureSet = try #require(file["features"]), coordinateSet = try #require(file["coords"])
        #expect(featureSet["dtype"] as? String == "float32")
        #expect(featureSet["shape"] as? [Int] == [words.count, 3])
        #expect((featureSet["data"] as? [[Double]])?.map { $0.map(Float.init) } == words)
        #expect(coordinateSet["dtype"] as? String == "int64")
        #expect(coordinateSet["shape"] as? [Int] == [words.count, 2])
        #expect(coordinateSet["data"] as? [[Int]] == coords)
        // By hand: bags column by column, words column by column inside a bag, 128-pixel words,
        // grid rows 0 and 3 on padding.
        #expect(coords == [[0, 0], [128, 0], [0, 128], [128, 128], [256, 0], [384, 0], [256, 128], [384, 128]])
        #expect(Set(file.keys) == ["features", "coords"])
        // The features attributes TRIDENT's extract_patch_features attaches.
        #expect(try attribute(featureSet, "encoder").value as? String == "mobilenetv2-0.5")
        #expect(try attribute(featureSet, "encoder").type == "str")
        #expect(try attribute(featureSet, "name").value as? String == "slide_1")
    }

    @Test func tridentLayoutAsH5pyReadsIt() throws {
        let directory = try TemporaryDirectory()
        let (cache, features) = try makeCache(in: directory)
        let out = directory.file("trident")
        let export = PatchFeatureExport(cache: cache, format: .trident, outputDirectory: out)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let items = try export.plan()
        #expect(items.map(\.imageID) == ["slide_1"])
        #expect(try export.write(items[0]) == 8)
        let file = try dump(out.appendingPathComponent("slide_1.h5"))
        try checkDatasets(file, features)
        let coords = try #require(file["coords"])
        // Words are 32 grid pixels of a 128-pixel grid holding 512 level-0 pixels: 128 a side.
        for (name, expected) in [("patch_size", 32), ("patch_size_level0", 128), ("level0_width", 512), ("level0_height", 256), ("overlap", 0)] {
            let (type, value) = try attribute(coords, name)
            #expect(type == "int64" && value as? Int == expected, "coords attribute \(name): \(type) \(value), expected int64 \(expected)")
        }
        #expect(try attribute(coords, "name").value as? String == "slide_1")
        #expect(try attribute(coords, "word_width_level0").value as? Double == 128)
    }

    @Test func clamLayoutAsH5pyReadsIt() throws {
        let directory = try TemporaryDirectory()
        let (cache, features) = try makeCache(in: directory)
        let out = directory.file("clam")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let export = PatchFeatureExport(cache: cache, format: .clam, outputDirectory: out)
        _ = try export.write(try export.plan()[0])
        let file = try dump(out.appendingPathComponent("slide_1.h5"))
        try checkDatasets(file, features)
        let coords = try #require(file["coords"])
        #expect(try attribute(coords, "patch_size").type == "int64" && attribute(coords, "patch_size").value as? Int == 128)
        #expect(try attribute(coords, "patch_level").value as? Int == 0)
        #expect(try attribute(coords, "downsample").type == "float64" && attribute(coords, "downsample").value as? [Double] == [1, 1])
        #expect(try attribute(coords, "level_dim").value as? [Int] == [512, 256])
    }

    @Test func existingFilesAreRefusedWithoutOverwrite() throws {
        let directory = try TemporaryDirectory()
        let (cache, _) = try makeCache(in: directory)
        let out = directory.file("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: out.appendingPathComponent("slide_1.h5"))
        #expect(throws: (any Error).self) { try PatchFeatureExport(cache: cache, format: .trident, outputDirectory: out).plan() }
        #expect(try Data(contentsOf: out.appendingPathComponent("slide_1.h5")) == Data("mine".utf8))
        let export = PatchFeatureExport(cache: cache, format: .trident, outputDirectory: out, overwrite: true)
        _ = try export.write(try export.plan()[0])
        #expect(try PatchFeatures.read(out.appendingPathComponent("slide_1.h5"), format: .trident).count == 8)
    }
}
