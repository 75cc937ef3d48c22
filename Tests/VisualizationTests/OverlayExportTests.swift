import Checkpoints
import Foundation
import Slides
import Synthesis
import TensorKit
import TestSupport
import Testing
@testable import Visualization

/// `hatnet visualize --qupath / --overlay-tiff`: the QuPath tile GeoJSON checked feature by feature
/// against the grid's geometry and independently computed ranks, then read by Python's `json`
/// (standard GeoJSON) and the overlay TIFF by OpenSlide (levels, colours of the palette at sample
/// pixels, transparency) and libvips.
@Suite struct OverlayExportTests {
    /// A 1000 × 700 synthetic slide cut by bag 64, word 16 with `keepAspect`, so the grid has padding
    /// words; scores with ties (ranks must keep index order among equal scores).
    struct Scene {
        let directory: TemporaryDirectory
        let layout = WordGridLayout(bagSize: 64, wordSize: 16)
        let geometry: WordGeometry
        let wordScores: [Float]
        let bagScores: [Float]
        let files: AttentionVisualization.Files

        init() throws {
            directory = try TemporaryDirectory()
            try SyntheticCohort.writeSlide(SyntheticSlide(width: 1000, height: 700, diagnosticClass: .dcis, seed: 4),
                                           imageID: "slide", in: directory.url)
            let options = WordGridOptions(keepAspect: true)
            let source = try openSlide(directory.file("slide.tiff"))
            geometry = try GridPlacement(source: source, layout: layout, options: options).geometry
            let wordScores = (0..<layout.bagCount * layout.wordsPerBag).map { Float(($0 * 37) % 101) / 8 - 3 }
            let bagScores = (0..<layout.bagCount).map { Float(($0 * 7) % 5) * 0.25 }
            self.wordScores = wordScores
            self.bagScores = bagScores
            var writer = SafeTensorsWriter()
            writer.add(Tensor(shape: [1, layout.bagCount, layout.wordsPerBag], scalars: wordScores), named: "word_scores")
            writer.add(Tensor(shape: [1, layout.bagCount], scalars: bagScores), named: "bag_scores")
            try writer.write(to: directory.file("scores.safetensors"))
            let job = VisualizationJob(slide: directory.file("slide.tiff"), outputDirectory: directory.file("out"), thumbnailSize: 256,
                                       qupathFile: directory.file("tiles.geojson"), overlayTIFF: directory.file("overlay.tiff"))
            let scoresFile = directory.file("scores.safetensors"), layout = layout
            files = try job.run { source in
                try AttentionScoresFile.read(scoresFile, source: source, layout: layout, options: options)
            }.files
        }

        /// 0-based ranks by descending score, ties in index order — computed here, not by `ScoreRanking`.
        static func ranks(_ scores: [Float]) -> [Int] {
            var ranks = [Int](repeating: 0, count: scores.count)
            for (rank, index) in scores.indices.sorted(by: { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }).enumerated() {
                ranks[index] = rank
            }
            return ranks
        }
    }

    @Test func qupathTilesAreTheWordsWithTheirScoresAndRanks() throws {
        let scene = try Scene()
        #expect(scene.files.all.contains(scene.directory.file("tiles.geojson")))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scene.directory.file("tiles.geojson"))) as? [String: Any])
        #expect(document["type"] as? String == "FeatureCollection")
        let features = try #require(document["features"] as? [[String: Any]])
        let shown = scene.geometry.wordRegions.indices.filter { !scene.geometry.wordRegions[$0].isEmpty }
        #expect(shown.count < scene.geometry.wordRegions.count, "the scene must have padding words")
        #expect(features.count == shown.count)
        let wordRanks = Scene.ranks(scene.wordScores), bagRanks = Scene.ranks(scene.bagScores)
        for (feature, index) in zip(features, shown) {
            let region = scene.geometry.wordRegions[index]
            let bag = index / scene.layout.wordsPerBag, word = index % scene.layout.wordsPerBag
            let geometry = try #require(feature["geometry"] as? [String: Any])
            #expect(feature["type"] as? String == "Feature" && geometry["type"] as? String == "Polygon")
            let rings = try #require(geometry["coordinates"] as? [[[Double]]])
            let (left, top, right, bottom) = (region.x, region.y, region.x + region.width, region.y + region.height)
            let ring = [[right, top], [right, bottom], [left, bottom], [left, top], [right, top]]
            // Foundation's JSON parser may be an ulp off; Python's reader below checks the exact text.
            #expect(rings.count == 1 && rings[0].count == 5
                    && zip(rings[0], ring).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) } },
                    "word \(index): \(rings), expected \(ring)")
            let properties = try #require(feature["properties"] as? [String: Any])
            #expect(properties["objectType"] as? String == "tile" && properties["isLocked"] as? Bool == true)
            let measurements = try #require(properties["measurements"] as? [String: Double])
            #expect(measurements == ["word score": Double(scene.wordScores[index].description)!, "word rank": Double(wordRanks[index]),
                                     "bag score": Double(scene.bagScores[bag].description)!, "bag rank": Double(bagRanks[bag]),
                                     "bag": Double(bag), "word": Double(word)], "word \(index)")
        }
    }

    @Test func standardReadersOpenTheGeoJSONAndTheOverlayTIFF() throws {
        let scene = try Scene()
        // The expectation handed to Python: each shown word's rectangle and score.
        let words = scene.geometry.wordRegions.indices.filter { !scene.geometry.wordRegions[$0].isEmpty }.map { index -> [Double] in
            let region = scene.geometry.wordRegions[index]
            return [region.x, region.y, region.width, region.height, Double(scene.wordScores[index])]
        }
        try JSONSerialization.data(withJSONObject: ["width": 1000, "height": 700, "words": words])
            .write(to: scene.directory.file("expected.json"))
        let result = try PythonInterop.run(script: Self.readerScript, arguments: [
            scene.directory.file("tiles.geojson").path, scene.directory.file("overlay.tiff").path, scene.directory.file("expected.json").path,
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("checked"), "\(result.output)")

        let header = try Self.vipsHeader(scene.directory.file("overlay.tiff"))
        #expect(header["width"] == "1000" && header["height"] == "700" && header["bands"] == "4", "vipsheader: \(header)")
        #expect(Int(header["n-pages"] ?? "") ?? 0 >= 2, "vipsheader: \(header)")
    }

    /// `vipsheader -f FIELD` for the fields the test needs.
    static func vipsHeader(_ url: URL) throws -> [String: String] {
        var fields: [String: String] = [:]
        for field in ["width", "height", "bands", "n-pages"] {
            let outcome = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/vipsheader"), arguments: ["-f", field, url.path],
                                               mergingStandardError: true)
            fields[field] = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return fields
    }

    /// Reads the GeoJSON with `json` and checks it is standard GeoJSON in QuPath's tile layout; opens
    /// the TIFF with OpenSlide and compares pixels at every level with the palette colour of the
    /// word whose rectangle holds the pixel's centre (matplotlib's inferno at nine stops, scores
    /// scaled from the lowest to the highest shown word), or transparency outside the words.
    static let readerScript = PaletteReference.pythonInferno + #"""
    import json, math, sys
    import openslide
    tiles_path, tiff_path, expected_path = sys.argv[1:4]
    expected = json.load(open(expected_path))
    W, H, words = expected["width"], expected["height"], expected["words"]

    doc = json.load(open(tiles_path), parse_constant=lambda c: sys.exit("non-finite number " + c))
    assert doc["type"] == "FeatureCollection", doc.get("type")
    assert len(doc["features"]) == len(words), (len(doc["features"]), len(words))
    for feature, (x, y, w, h, score) in zip(doc["features"], words):
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        assert geometry["type"] == "Polygon" and len(geometry["coordinates"]) == 1
        ring = geometry["coordinates"][0]
        assert len(ring) == 5 and ring[0] == ring[-1], ring
        want = [[x + w, y], [x + w, y + h], [x, y + h], [x, y], [x + w, y]]
        assert all(abs(a - b) <= 1e-9 * max(1, abs(b)) for p, q in zip(ring, want) for a, b in zip(p, q)), (ring, want)
        area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2
        assert area > 0, ("ring not counter-clockwise", ring)
        assert all(0 <= x <= W and 0 <= y <= H for x, y in ring), ring
        p = feature["properties"]
        assert p["objectType"] == "tile" and p["isLocked"] is True, p
        m = p["measurements"]
        assert set(["word score", "word rank", "bag score", "bag rank"]) <= set(m), m
        assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in m.values()), m

    low, high = min(w[4] for w in words), max(w[4] for w in words)
    def expected_pixel(x, y):
        colour = None
        for wx, wy, ww, wh, score in words:
            if wx <= x < wx + ww and wy <= y < wy + wh:
                colour = inferno((score - low) / (high - low)) + (255,)
        return colour or (0, 0, 0, 0)

    slide = openslide.OpenSlide(tiff_path)
    assert slide.dimensions == (W, H), slide.dimensions
    assert slide.level_count >= 2, slide.level_count
    checked = 0
    for level in range(slide.level_count):
        ds = 2 ** level
        assert slide.level_dimensions[level] == (math.ceil(W / ds), math.ceil(H / ds)), slide.level_dimensions
        assert abs(slide.level_downsamples[level] - ds) < 1e-9, slide.level_downsamples
        lw, lh = slide.level_dimensions[level]
        region = slide.read_region((0, 0), level, (lw, lh))
        step = max(1, lw // 60)
        for j in range(0, lh, step):
            for i in range(0, lw, step):
                want = expected_pixel((i + 0.5) * ds, (j + 0.5) * ds)
                got = region.getpixel((i, j))
                if want[3] == 0:
                    assert got[3] == 0, (level, i, j, got)
                else:
                    assert got[3] == 255 and all(abs(g - w) <= 1 for g, w in zip(got, want)), (level, i, j, got, want)
                checked += 1
    print("checked", checked, "pixels on", slide.level_count, "levels")
    """#
}
