import Checkpoints
import Foundation
import HATNet
import Slides
import Synthesis
import TensorKit
import TestSupport
import Testing
import Viewer

/// `hatnet serve` on the scores files `hatnet attend` writes: a real `features` → `attend` run on a
/// synthetic slide is served with word and bag attention whose tiles show each word's score in the
/// heat map's colour (scores and rectangles read back with Python's `safetensors`, colours from the
/// palette's definition); hostile scores files are skipped with a warning naming them, never a crash.
@Suite(.serialized)
struct ViewerAttendScoresTests {
    static let slideID = ViewerFixture.slideID
    static let encoderWeights = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference/encoder_mobilenetv2_w0.5.safetensors").path

    /// Runs `hatnet arguments…` in `directory`, expecting success.
    static func hatnet(_ arguments: [String], in directory: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try ChildProcess.run(BuiltProduct.hatnet, arguments: arguments, in: directory, timeout: 600)
        #expect(outcome.succeeded, "hatnet \(arguments.joined(separator: " ")) failed (\(outcome.status)): \(outcome.stderr.suffix(1500))",
                sourceLocation: sourceLocation)
    }

    /// The fixture slide in `cohort/`, its features (bag 256, word 64: 4 × 4 bags of 4 × 4 words of
    /// 96 × 64 slide pixels) and `attend`'s scores in `scores/run.safetensors`, a name that is not
    /// the slide's (it is matched by the image id the features recorded).
    static func attendOutput(in directory: TemporaryDirectory) throws -> URL {
        let root = directory.url, cohort = root.appendingPathComponent("cohort")
        try FileManager.default.createDirectory(at: cohort, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("scores"), withIntermediateDirectories: true)
        let synthetic = SyntheticSlide(width: ViewerFixture.width, height: ViewerFixture.height, diagnosticClass: .dcis, seed: 7)
        try SyntheticCohort.writeSlide(synthetic, imageID: slideID, in: cohort)
        try Data("\(slideID),2\n".utf8).write(to: root.appendingPathComponent("test.txt"))
        try hatnet(["features", "test.txt", "--img-dir", "cohort", "--img-extn", "tiff", "--features-dir", "features",
                    "--bag-size", "256", "--word-size", "64", "--scale-multipliers", "0",
                    "--encoder", "mobilenetv2", "--scale", "0.5", "--weights", encoderWeights], in: root)
        let cache = try #require(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("features").path)
            .first { !$0.hasPrefix(".") })
        let features = root.appendingPathComponent("features/\(cache)/\(slideID)/bag_256_word_64_view_0.safetensors")
        let featureCount = try SafeTensorsFile(url: features).info("words").shape[2]

        let configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: featureCount, outFeatures: 8, numBagsWords: 4, numHeads: 2)
        try JSONEncoder().encode(configuration).write(to: root.appendingPathComponent("config.json"))
        var weights = SafeTensorsWriter()
        for (key, tensor) in HATNetModel(configuration: configuration, seed: 3).stateDict() { weights.add(tensor, named: key) }
        try weights.write(to: root.appendingPathComponent("weights.safetensors"))
        try hatnet(["attend", "--config", "config.json", "--weights", "weights.safetensors", "--features", features.path,
                    "--output", "scores/run.safetensors"], in: root)
        return root.appendingPathComponent("scores/run.safetensors")
    }

    /// Reads the scores file with `safetensors` (numpy), and the word-overlay tiles of Deep Zoom
    /// level 11 (the slide's level 0: tile (c, r) starts at 254·c − 1 for c > 0) with PIL, and checks
    /// the pixel at each word's centre: inferno at (score − lowest) / (highest − lowest), opaque.
    static let overlayReference = PaletteReference.pythonInferno + #"""
    import json, sys
    from PIL import Image
    from safetensors.numpy import load_file
    scores = load_file(sys.argv[1])
    tiles = json.loads(sys.argv[2])
    words = scores["word_scores"][0].reshape(-1)
    regions = scores["word_regions"].reshape(-1, 4)
    low, high = float(words.min()), float(words.max())
    assert high > low, (low, high)
    checked = 0
    for (x, y, w, h), score in zip(regions, words):
        cx, cy = int(x + w / 2), int(y + h / 2)
        column, row = cx // 254, cy // 254
        left, top = column * 254 - (1 if column else 0), row * 254 - (1 if row else 0)
        image = Image.open(tiles["%d_%d" % (column, row)]).convert("RGBA")
        got = image.getpixel((cx - left, cy - top))
        want = inferno((float(score) - low) / (high - low)) + (255,)
        assert all(abs(a - b) <= 1 for a, b in zip(got, want)), (cx, cy, float(score), got, want)
        checked += 1
    print("checked", checked)
    """#

    @Test func servesTheWordAndBagAttentionOfAnAttendOutput() throws {
        let directory = try TemporaryDirectory()
        let scores = try Self.attendOutput(in: directory)
        let server = try ServerProcess([directory.url.path])
        let client = server.client()
        let id = Self.slideID

        let page = String(decoding: try client.get("/view/\(id)").body, as: UTF8.self)
        #expect(page.contains("Word attention") && page.contains("Bag attention") && page.contains("Top words"), "\(page.prefix(3000))")
        for layer in ["words", "bags", "topwords", "topbags"] {
            #expect(try client.get("/overlays/\(id)/\(layer).dzi").status == 200, "layer \(layer)")
        }
        let geometry = DeepZoomGeometry(slideLevels: try openSlide(directory.file("cohort/\(id).tiff")).levels)
        let counts = geometry.tileCounts(level: 11)
        var tiles: [String: String] = [:]
        for column in 0..<counts.columns {
            for row in 0..<counts.rows {
                let response = try client.get("/overlays/\(id)/words_files/11/\(column)_\(row).png")
                #expect(response.status == 200)
                tiles["\(column)_\(row)"] = try ViewerHTTPTests.save(response.body)
            }
        }
        let tileList = String(decoding: try JSONSerialization.data(withJSONObject: tiles), as: UTF8.self)
        let result = try PythonInterop.run(script: Self.overlayReference, arguments: [scores.path, tileList])
        #expect(result.status == 0 && result.output.contains("checked 256"), "\(result.output)")
        #expect(!server.standardError.contains(scores.path), "the scores file was warned about: \(server.standardError)")
    }

    /// One copy of the slide per hostile scores file, each file named after its slide.
    @Test func hostileScoresFilesAreSkippedWithAWarningNamingThem() throws {
        let directory = try TemporaryDirectory()
        let real = try Self.attendOutput(in: directory)
        let root = directory.url
        let realFile = try SafeTensorsFile(url: real)
        let regions = try realFile.tensor(named: "word_regions"), wordScores = try realFile.tensor(named: "word_scores")
        let bagScores = try realFile.tensor(named: "bag_scores")
        func write(_ name: String, metadata: [String: String] = [:], _ tensors: [(String, Tensor)]) throws {
            var writer = SafeTensorsWriter(metadata: metadata)
            for (key, tensor) in tensors { writer.add(tensor, named: key) }
            try writer.write(to: root.appendingPathComponent("scores/\(name).safetensors"))
        }
        var cases: [(name: String, mentioning: [String])] = []

        // Truncated: the real output cut in half.
        let bytes = try Data(contentsOf: real)
        try bytes.prefix(bytes.count / 2).write(to: root.appendingPathComponent("scores/truncated.safetensors"))
        cases.append(("truncated", ["truncated.safetensors", "safetensors"]))
        // A NaN word score.
        var poisoned = wordScores.scalars
        poisoned[37] = .nan
        try write("nan", [("word_scores", Tensor(shape: wordScores.shape, scalars: poisoned)), ("bag_scores", bagScores), ("word_regions", regions)])
        cases.append(("nan", ["nan.safetensors", "word_scores", "nan"]))
        // Word scores of another grid (3 × 3 bags of 3 × 3 words) with this grid's rectangles.
        try write("wrong_shape", [("word_scores", Tensor(shape: [1, 9, 9], scalars: [Float](repeating: 1, count: 81))),
                                  ("bag_scores", Tensor(shape: [1, 9], scalars: [Float](repeating: 1, count: 9))), ("word_regions", regions)])
        cases.append(("wrong_shape", ["wrong_shape.safetensors", "word_regions", "[9, 9, 4]"]))
        // The right shapes, but a grid that records other sizes.
        try write("wrong_grid", metadata: ["bag_size": "192", "word_size": "64"],
                  [("word_scores", wordScores), ("bag_scores", bagScores), ("word_regions", regions)])
        cases.append(("wrong_grid", ["wrong_grid.safetensors", "bag 192 and word 64", "9 bags of 9 words"]))
        // Rectangles of a slide twice as large.
        try write("other_slide", [("word_scores", wordScores), ("bag_scores", bagScores),
                                  ("word_regions", Tensor(shape: regions.shape, scalars: regions.scalars.map { $0 * 2 }))])
        cases.append(("other_slide", ["other_slide.safetensors", "outside the 1536×1024 slide"]))
        // More bags than HATNet's largest grid.
        try write("too_many_bags", [("word_scores", Tensor(shape: [1, 2048, 1], scalars: [Float](repeating: 0, count: 2048))),
                                    ("bag_scores", Tensor(shape: [1, 2048], scalars: [Float](repeating: 0, count: 2048)))])
        cases.append(("too_many_bags", ["too_many_bags.safetensors", "more than 1024 bags"]))
        // Two slides' scores in one file.
        try write("two_slides", [("word_scores", Tensor(shape: [2, 16, 16], scalars: wordScores.scalars + wordScores.scalars)),
                                 ("bag_scores", Tensor(shape: [2, 16], scalars: bagScores.scalars + bagScores.scalars)), ("word_regions", regions)])
        cases.append(("two_slides", ["two_slides.safetensors", "2 slides"]))
        // Not safetensors at all.
        try Data("{\"word_scores\": [1, 2]}".utf8).write(to: root.appendingPathComponent("scores/garbage.safetensors"))
        cases.append(("garbage", ["garbage.safetensors"]))
        // A FIFO: opening it for reading would block the server's start for ever.
        #expect(mkfifo(root.appendingPathComponent("scores/fifo.safetensors").path, 0o644) == 0)
        cases.append(("fifo", ["fifo.safetensors", "not a regular file"]))

        // The real output is removed so only the hostile files name the copies; each copy is its
        // slide, matched to the scores file of its name.
        try FileManager.default.removeItem(at: real)
        for (name, _) in cases {
            try FileManager.default.copyItem(at: directory.file("cohort/\(Self.slideID).tiff"), to: directory.file("cohort/\(name).tiff"))
        }
        let server = try ServerProcess([root.path])
        let client = server.client()
        for (name, fragments) in cases {
            #expect(try client.get("/view/\(name)").status == 200, "slide \(name) is not served")
            #expect(try client.get("/overlays/\(name)/words.dzi").status == 404, "\(name): a words layer from a hostile file")
            let warned = server.waitForStandardError { text in
                text.split(separator: "\n").contains { line in fragments.allSatisfy { line.contains($0) } }
            }
            #expect(warned, "no warning line with \(fragments): \(server.standardError)")
        }
        #expect(!server.standardError.contains("Fatal error"))
        #expect(server.isRunning)
        // The slide of the features still has no attention (no scores file names it) and is served.
        #expect(try client.get("/view/\(Self.slideID)").status == 200)
    }
}
