import Checkpoints
import Foundation
import HATNet
import TensorKit
import Testing
import TestSupport

/// The real binary against hostile files and options: every case must end with a non-zero exit
/// (never a signal or a hang), a message naming the file or option, the files that were there
/// unchanged, and nothing new outside the output location.
@Suite(.serialized) struct HostileInputTests {
    let directory: TemporaryDirectory
    var dir: URL { directory.url }

    /// A small valid model: 4 classes, F 16, d 8, 2 × 2 bags of 2 × 2 words, 2 heads.
    static let configuration = HATNetConfiguration(numClasses: 4, cnnFeatures: 16, outFeatures: 8, numBagsWords: 2, numHeads: 2)

    init() throws {
        directory = try TemporaryDirectory()
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("ihc.png"), to: directory.file("ihc.png"))
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("ihc_crop.jpg"), to: directory.file("crop.jpg"))
        try writeModelFiles()
        try writeCraftedImages()
    }

    // MARK: Files

    private func writeModelFiles() throws {
        let encoder = JSONEncoder()
        try encoder.encode(Self.configuration).write(to: directory.file("config.json"))
        var generator = SeededGenerator(seed: 5)
        let model = HATNetModel(configuration: Self.configuration, seed: 5)
        var weights = SafeTensorsWriter()
        for (key, tensor) in model.stateDict() { weights.add(tensor, named: key) }
        try weights.write(to: directory.file("weights.safetensors"))
        var poisoned = SafeTensorsWriter()
        for (index, entry) in model.stateDict().enumerated() {
            var tensor = entry.tensor
            if index == 3 { tensor = Tensor(shape: tensor.shape, scalars: [Float.nan] + tensor.scalars.dropFirst()) }
            poisoned.add(tensor, named: entry.key)
        }
        try poisoned.write(to: directory.file("weights_nan.safetensors"))

        let words = Tensor.normal([4, 4, 16], generator: &generator)
        var features = SafeTensorsWriter()
        features.add(words, named: "words")
        try features.write(to: directory.file("features.safetensors"))
        var scalars = words.scalars
        scalars[1 * 64 + 2 * 16 + 3] = .infinity
        var bad = SafeTensorsWriter()
        bad.add(Tensor(shape: [4, 4, 16], scalars: scalars), named: "words")
        try bad.write(to: directory.file("features_inf.safetensors"))

        for (name, field, value) in [("c_bags", "num_bags_words", "4294967296"), ("c_width", "cnn_feature_sz", "1000000000000"),
                                     ("c_classes", "n_classes", "1099511627776"), ("c_fraction", "num_bags_words", "3.5")] {
            let text = #"{"n_classes":4,"cnn_feature_sz":16,"out_features":8,"num_bags_words":2,"attn_heads":2,"dropout":0.1,"#
                + #""attn_p":0.1,"attn_type":"l2","attn_fn":"softmax"}"#
            let patched = text.replacingOccurrences(of: "\"\(field)\":\(field == "n_classes" ? "4" : field == "cnn_feature_sz" ? "16" : "2")",
                                                    with: "\"\(field)\":\(value)")
            _ = try directory.write(patched, to: "\(name).json")
        }
        _ = try directory.write(#"{"bag_size":1e300,"word_size":256,"base_extractor":"espnetv2","s":2.0}"#, to: "zoo_huge.json")

        // Scores for visualize --scores: NaN rectangles, NaN scores.
        var nanRegions = SafeTensorsWriter()
        nanRegions.add(Tensor(shape: [1, 4, 4], scalars: (0..<16).map { Float($0) }), named: "word_scores")
        nanRegions.add(Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]), named: "bag_scores")
        nanRegions.add(Tensor(repeating: .nan, shape: [4, 4, 4]), named: "word_regions")
        try nanRegions.write(to: directory.file("scores_nan_regions.safetensors"))
        var nanScores = SafeTensorsWriter()
        nanScores.add(Tensor(repeating: .nan, shape: [1, 4, 4]), named: "word_scores")
        nanScores.add(Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]), named: "bag_scores")
        try nanScores.write(to: directory.file("scores_nan.safetensors"))

        _ = try directory.write(#"{"type":"Polygon","coordinates":[[[0,0],[1e300,0],[1e300,3e21],[0,0]]]}"#, to: "huge.geojson")
        _ = try directory.write(#"{"type":"Polygon","coordinates":[[[0,0],[10,0]]]}"#, to: "short_ring.geojson")
        let classes = 100_000
        let row = "[" + Array(repeating: "0.00001", count: classes).joined(separator: ",") + "]"
        _ = try directory.write("{\"y_true\":[0,1],\"y_prob\":[\(row),\(row)]}", to: "many_classes.json")
        _ = try directory.write(#"{"y_true":[0,1],"y_prob":[[0.5,0.5],[0.4,0.6]]}"#, to: "predictions.json")
    }

    private func writeCraftedImages() throws {
        // A PNG whose header claims 1,000,000 × 1,000,000 pixels.
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func chunk(_ type: String, _ payload: [UInt8]) {
            var bytes = withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) }
            let body = Array(type.utf8) + payload
            bytes += body
            bytes += withUnsafeBytes(of: crc32(body).bigEndian) { Array($0) }
            png.append(contentsOf: bytes)
        }
        let side = withUnsafeBytes(of: UInt32(1_000_000).bigEndian) { Array($0) }
        chunk("IHDR", side + side + [8, 2, 0, 0, 0])
        chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
        chunk("IEND", [])
        try png.write(to: directory.file("huge.png"))
        let jpeg = try Data(contentsOf: directory.file("crop.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: directory.file("truncated.jpg"))
        try Data().write(to: directory.file("empty.png"))
    }

    /// PNG's chunk checksum (CRC-32, polynomial 0xEDB88320), bit by bit.
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: Cases

    @Test func wordsRefusesSizesThatOverflowOrExplode() throws {
        for (bag, word) in [("4611686018427387904", "2147483648"), ("1024", "1"), ("65536", "1"), ("-64", "32"), ("64", "0"), ("96", "64")] {
            try CommandLineHarness.expectRefusal(["words", "ihc.png", "--bag", bag, "--word", word, "--output", "w.safetensors"],
                                                 in: dir, mentioning: ["--bag", "--word"])
        }
    }

    @Test func wordsNeverOverwritesItsInput() throws {
        try CommandLineHarness.expectRefusal(["words", "ihc.png", "--bag", "64", "--word", "32", "--output", "ihc.png"],
                                             in: dir, mentioning: ["--output", "ihc.png"])
        try CommandLineHarness.expectRefusal(["words", "ihc.png", "--bag", "64", "--word", "32", "--output", "./sub/../ihc.png"],
                                             in: dir, mentioning: ["--output"])
    }

    @Test func damagedAndHugeImagesAreNamed() throws {
        try CommandLineHarness.expectRefusal(["slide", "info", "huge.png"], in: dir, mentioning: ["huge.png", "1000000×1000000"])
        try CommandLineHarness.expectRefusal(["slide", "info", "truncated.jpg"], in: dir, mentioning: ["truncated.jpg", "JPEG"])
        try CommandLineHarness.expectRefusal(["slide", "info", "empty.png"], in: dir, mentioning: ["empty.png", "empty"])
        try CommandLineHarness.expectRefusal(["slide", "info", "missing.svs"], in: dir, mentioning: ["missing.svs"])
        try CommandLineHarness.expectRefusal(["words", "truncated.jpg", "--bag", "64", "--word", "32", "--output", "t.safetensors"],
                                             in: dir, mentioning: ["truncated.jpg"])
        try CommandLineHarness.expectRefusal(["slide", "thumbnail", "ihc.png", "--out", "ihc.png"], in: dir, mentioning: ["--out"])
        try CommandLineHarness.expectRefusal(["slide", "thumbnail", "ihc.png", "--out", "t.png", "--max-size", "1000000000"],
                                             in: dir, mentioning: ["--max-size"])
    }

    @Test func memoryLimitsAreErrorsNotTraps() throws {
        // The whole grid would need 2401 · 3 · 256² floats; the streamed `words` needs a few bags,
        // so a tight --max-memory is what refuses it, with the amount.
        try CommandLineHarness.expectRefusal(["words", "ihc.png", "--bag", "1792", "--word", "256", "--output", "w.safetensors",
                                              "--max-memory", "10M"], in: dir, mentioning: ["ihc.png", "needs", "--max-memory"])
        try CommandLineHarness.expectRefusal(["slide", "info", "huge.png"], in: dir, mentioning: ["huge.png", "needs"],
                                             addressSpaceKB: 2_000_000)
        try CommandLineHarness.expectRefusal(["words", "ihc.png", "--max-memory", "lots", "--output", "w.safetensors"],
                                             in: dir, mentioning: ["--max-memory"])
    }

    @Test func attendRefusesCraftedConfigurations() throws {
        for (name, field) in [("c_bags", "num_bags_words"), ("c_width", "cnn_feature_sz"), ("c_classes", "n_classes"),
                              ("c_fraction", "num_bags_words"), ("zoo_huge", "bag_size")] {
            try CommandLineHarness.expectRefusal(["attend", "--config", "\(name).json", "--weights", "weights.safetensors",
                                                  "--features", "features.safetensors", "--output", "out.safetensors"],
                                                 in: dir, mentioning: ["\(name).json", field])
        }
    }

    @Test func attendRefusesNonFiniteValuesAndOverwritingInputs() throws {
        try CommandLineHarness.expectRefusal(["attend", "--config", "config.json", "--weights", "weights_nan.safetensors",
                                              "--features", "features.safetensors", "--output", "out.safetensors"],
                                             in: dir, mentioning: ["weights_nan.safetensors", "nan"])
        try CommandLineHarness.expectRefusal(["attend", "--config", "config.json", "--weights", "weights.safetensors",
                                              "--features", "features_inf.safetensors", "--output", "out.safetensors"],
                                             in: dir, mentioning: ["features_inf.safetensors", "[1, 2, 3]"])
        for input in [("--features", "features.safetensors"), ("--config", "config.json"), ("--weights", "weights.safetensors")] {
            try CommandLineHarness.expectRefusal(["attend", "--config", "config.json", "--weights", "weights.safetensors",
                                                  "--features", "features.safetensors", "--output", input.1],
                                                 in: dir, mentioning: ["--output", input.0])
        }
        // And the valid run works, so the refusals above are not a broken command.
        let outcome = try CommandLineHarness.run(["attend", "--config", "config.json", "--weights", "weights.safetensors",
                                                  "--features", "features.safetensors", "--output", "out.safetensors"], in: dir)
        #expect(outcome.status == 0, "attend failed: \(outcome.stderr)")
    }

    @Test func visualizeRefusesNonFiniteScoresAndRegions() throws {
        try CommandLineHarness.expectRefusal(["visualize", "ihc.png", "--scores", "scores_nan_regions.safetensors", "--out", "v"],
                                             in: dir, mentioning: ["scores_nan_regions.safetensors", "word_regions"])
        try CommandLineHarness.expectRefusal(["visualize", "ihc.png", "--scores", "scores_nan.safetensors", "--bag", "64", "--word", "32",
                                              "--out", "v"], in: dir, mentioning: ["scores_nan.safetensors", "word_scores"])
        try CommandLineHarness.expectRefusal(["visualize", "ihc.png", "--scores", "scores_nan.safetensors", "--bag", "64", "--word", "32",
                                              "--annotations", "short_ring.geojson", "--out", "v"], in: dir,
                                             mentioning: ["short_ring.geojson"])
        try CommandLineHarness.expectRefusal(["visualize", "ihc.png", "--scores", "scores_nan.safetensors", "--bag", "64", "--word", "32",
                                              "--thumbnail", "-5", "--out", "v"], in: dir, mentioning: ["--thumbnail"])
    }

    @Test func visualizeSurvivesAnnotationsFarOutsideTheSlide() throws {
        var scores = SafeTensorsWriter()
        scores.add(Tensor(shape: [1, 4, 4], scalars: (0..<16).map { Float($0) }), named: "word_scores")
        scores.add(Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]), named: "bag_scores")
        try scores.write(to: directory.file("scores.safetensors"))
        let outcome = try CommandLineHarness.run(["visualize", "ihc.png", "--scores", "scores.safetensors", "--bag", "64", "--word", "32",
                                                  "--annotations", "huge.geojson", "--out", "v"], in: dir)
        #expect(outcome.status == 0 && !outcome.endedBySignal, "visualize with huge coordinates: \(outcome.stderr)")
    }

    @Test func visualizeOverlaysRefuseInputsExistingFilesUnwritablePlacesAndNaN() throws {
        var scores = SafeTensorsWriter()
        scores.add(Tensor(shape: [1, 4, 4], scalars: (0..<16).map { Float($0) }), named: "word_scores")
        scores.add(Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]), named: "bag_scores")
        try scores.write(to: directory.file("overlay_scores.safetensors"))
        let base = ["visualize", "ihc.png", "--scores", "overlay_scores.safetensors", "--bag", "64", "--word", "32", "--out", "v"]
        // An output that is an input, another output, or a figure.
        try CommandLineHarness.expectRefusal(base + ["--qupath", "overlay_scores.safetensors"], in: dir, mentioning: ["--qupath", "--scores"])
        try CommandLineHarness.expectRefusal(base + ["--overlay-tiff", "./ihc.png"], in: dir, mentioning: ["--overlay-tiff", "SLIDE"])
        try CommandLineHarness.expectRefusal(base + ["--qupath", "o.tiff", "--overlay-tiff", "o.tiff"], in: dir,
                                             mentioning: ["--overlay-tiff", "--qupath"])
        try CommandLineHarness.expectRefusal(base + ["--qupath", "v/attention.json"], in: dir, mentioning: ["--qupath", "--out"])
        // Places that cannot be written: a missing directory, a file taken for a directory, a directory.
        try CommandLineHarness.expectRefusal(base + ["--qupath", "missing/tiles.geojson"], in: dir, mentioning: ["--qupath", "missing", "does not exist"])
        try CommandLineHarness.expectRefusal(base + ["--overlay-tiff", "ihc.png/o.tiff"], in: dir, mentioning: ["--overlay-tiff", "ihc.png"])
        try FileManager.default.createDirectory(at: directory.file("folder"), withIntermediateDirectories: true)
        try CommandLineHarness.expectRefusal(base + ["--overlay-tiff", "folder"], in: dir, mentioning: ["--overlay-tiff", "directory"])
        // An existing file is kept unless --overwrite.
        _ = try directory.write("keep me", to: "existing.geojson")
        try CommandLineHarness.expectRefusal(base + ["--qupath", "existing.geojson"], in: dir, mentioning: ["existing.geojson", "--overwrite"])
        try CommandLineHarness.expectRefusal(base + ["--overlay-tiff", "existing.geojson"], in: dir, mentioning: ["existing.geojson", "--overwrite"])
        // NaN scores: refused before anything is written.
        try CommandLineHarness.expectRefusal(["visualize", "ihc.png", "--scores", "scores_nan.safetensors", "--bag", "64", "--word", "32",
                                              "--out", "v", "--qupath", "t.geojson", "--overlay-tiff", "t.tiff"], in: dir,
                                             mentioning: ["scores_nan.safetensors", "word_scores"])
        // With --overwrite the same command replaces the file with the tiles.
        let outcome = try CommandLineHarness.run(base + ["--qupath", "existing.geojson", "--overlay-tiff", "o.tiff", "--overwrite"], in: dir)
        #expect(outcome.status == 0, "visualize --overwrite failed: \(outcome.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("existing.geojson"))) as? [String: Any]
        #expect(document?["type"] as? String == "FeatureCollection" && (document?["features"] as? [Any])?.count == 16)
        #expect(outcome.stdout.contains("o.tiff") && FileManager.default.fileExists(atPath: directory.file("o.tiff").path))
    }

    @Test func metricsRefusesTooManyClassesAndOverwritingItsInput() throws {
        try CommandLineHarness.expectRefusal(["metrics", "--input", "many_classes.json", "--output", "r.json"], in: dir,
                                             mentioning: ["many_classes.json", "100000"], timeout: 60)
        try CommandLineHarness.expectRefusal(["metrics", "--input", "predictions.json", "--output", "predictions.json"], in: dir,
                                             mentioning: ["--output", "--input"])
        try CommandLineHarness.expectRefusal(["metrics", "--input", "missing.json", "--output", "r.json"], in: dir,
                                             mentioning: ["missing.json"])
    }

    @Test func encodeAndExportRefuseBadInput() throws {
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "mobilenetv2", "--weights", "weights.safetensors",
                                              "--input", "features.safetensors", "--output", "features.safetensors"],
                                             in: dir, mentioning: ["--output"])
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "mobilenetv2", "--weights", "weights.safetensors",
                                              "--input", "features.safetensors", "--output", "e.safetensors", "--batch", "-3"],
                                             in: dir, mentioning: ["--batch"])
        try CommandLineHarness.expectRefusal(["export", "weights_nan.safetensors", "--output", "w.pth"], in: dir,
                                             mentioning: ["weights_nan.safetensors", "nan"])
        try CommandLineHarness.expectRefusal(["export", "weights.safetensors", "--output", "weights.safetensors"], in: dir,
                                             mentioning: ["--output"])
        // A FIFO given as weights blocked the open until a writer came.
        #expect(mkfifo(directory.file("pipe.safetensors").path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: directory.file("pipe.safetensors")) }
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "mobilenetv2", "--weights", "pipe.safetensors",
                                              "--input", "features.safetensors", "--output", "e.safetensors"],
                                             in: dir, mentioning: ["pipe.safetensors", "not a regular file"], timeout: 30)
        try CommandLineHarness.expectRefusal(["export", "pipe.safetensors", "--output", "w.pth"], in: dir,
                                             mentioning: ["pipe.safetensors", "not a regular file"], timeout: 30)
    }

    @Test func synthRefusesSizesItCannotDraw() throws {
        try CommandLineHarness.expectRefusal(["synth", "--out", "cohort", "--size", "1000000000x1000000000"], in: dir,
                                             mentioning: ["--size"])
        try CommandLineHarness.expectRefusal(["synth", "--out", "cohort", "--count-per-class", "-1"], in: dir,
                                             mentioning: ["--count-per-class"])
        try FileManager.default.createDirectory(at: directory.file("mine"), withIntermediateDirectories: true)
        _ = try directory.write("my_slide,2\n", to: "mine/train.txt")
        try CommandLineHarness.expectRefusal(["synth", "--out", "mine", "--count-per-class", "1", "--size", "256x256"], in: dir,
                                             mentioning: ["mine", "--overwrite"])
    }

    /// An empty path would name the current directory (`synth --out ''` would draw a cohort into
    /// it): every empty value is refused before parsing, naming the option it was given to.
    @Test func emptyPathsAndValuesAreRefused() throws {
        for (arguments, option) in [(["synth", "--out", "", "--count-per-class", "1", "--size", "256x256"], "--out"),
                                    (["demo", "--out", "demo", "--cache-dir", ""], "--cache-dir"),
                                    (["words", "ihc.png", "--output="], "--output"),
                                    (["slide", "info", ""], "empty"),
                                    (["predict", "ihc.png", "--weights", "", "--config", "config.json"], "--weights")] {
            try CommandLineHarness.expectRefusal(arguments, in: dir, mentioning: [option])
        }
    }

    /// A file the user already has is never replaced by a command's output unless `--overwrite`
    /// is given; with it, the output replaces the file.
    @Test func existingOutputsAreReplacedOnlyWhenAsked() throws {
        let mine = Data("the user's file".utf8)
        for name in ["mine.safetensors", "mine.png", "mine.json", "mine.pth"] { try mine.write(to: directory.file(name)) }
        let cases: [[String]] = [
            ["encode", "--encoder", "mobilenetv2", "--weights", "weights.safetensors", "--input", "features.safetensors",
             "--output", "mine.safetensors"],
            ["attend", "--config", "config.json", "--weights", "weights.safetensors", "--features", "features.safetensors",
             "--output", "mine.safetensors"],
            ["words", "ihc.png", "--output", "mine.safetensors"],
            ["slide", "thumbnail", "ihc.png", "--out", "mine.png"],
            ["metrics", "--input", "predictions.json", "--output", "mine.json"],
            ["export", "weights.safetensors", "--output", "mine.pth"],
            ["export", "mine.safetensors"],  // its default output, mine.pth, exists
        ]
        for arguments in cases {
            try CommandLineHarness.expectRefusal(arguments, in: dir, mentioning: ["mine.", "exists", "--overwrite"])
        }
        let replaced = try CommandLineHarness.run(["slide", "thumbnail", "ihc.png", "--out", "mine.png", "--overwrite"], in: dir)
        #expect(replaced.status == 0, "thumbnail --overwrite failed: \(replaced.stderr)")
        #expect(try Data(contentsOf: directory.file("mine.png")).starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let attended = try CommandLineHarness.run(["attend", "--config", "config.json", "--weights", "weights.safetensors",
                                                   "--features", "features.safetensors", "--output", "mine.safetensors", "--overwrite"],
                                                  in: dir)
        #expect(attended.status == 0, "attend --overwrite failed: \(attended.stderr)")
        #expect(try Data(contentsOf: directory.file("mine.safetensors")) != mine)
    }
}
