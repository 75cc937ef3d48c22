import Checkpoints
import Foundation
import Slides
import Testing
import TestSupport

/// `hatnet export features` and `hatnet import features` through the binary: a generated cohort
/// encoded by `hatnet features`, exported in TRIDENT's layout, imported back onto the same grid
/// (every word must come back unchanged: each word is one patch centred in itself), and the
/// imported cache trained, evaluated, predicted and visualised like any other.
@Suite(.serialized) struct FeatureInteropCommandTests {
    private static let weights = CommandLineHarness.mobileNetV2Weights

    private func hatnet(_ arguments: [String], in directory: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try CommandLineHarness.expectSuccess(arguments, in: directory, sourceLocation: sourceLocation)
    }

    private func cacheLine(_ output: String) throws -> String {
        try #require(output.split(separator: "\n").first { $0.hasPrefix("cache ") }.map { String($0.dropFirst(6)) }, "no cache line: \(output)")
    }

    @Test func exportedFeaturesImportBackAndTrain() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        let grid = ["--bag-size", "64", "--word-size", "32", "--scale-multipliers", "0"]
        // Square slides: 128-pixel square words, so each exported word is a patch centred in its own word.
        _ = try hatnet(["synth", "--out", "cohort", "--count-per-class", "3", "--size", "512x512", "--seed", "3"], in: dir)
        let splits = ["cohort/train.txt", "cohort/val.txt", "cohort/test.txt"]
        let encoded = try cacheLine(try hatnet(["features"] + splits + ["--img-dir", "cohort", "--features-dir", "features",
                                                 "--encoder", "mobilenetv2", "--scale", "0.5", "--weights", Self.weights] + grid, in: dir))
        _ = try hatnet(["export", "features", encoded, "--format", "trident", "--out", "trident"], in: dir)
        _ = try hatnet(["export", "features", encoded, "--format", "clam", "--out", "clam"], in: dir)
        let imported = try cacheLine(try hatnet(["import", "features"] + splits + ["--format", "trident", "--h5-dir", "trident",
                                                  "--img-dir", "cohort", "--features-dir", "imported"] + grid, in: dir))
        #expect(URL(fileURLWithPath: imported).lastPathComponent.hasPrefix("trident-mobilenetv2"))
        let clam = try cacheLine(try hatnet(["import", "features"] + splits + ["--format", "clam", "--h5-dir", "clam", "--img-dir", "cohort",
                                             "--features-dir", "imported", "--encoder-name", "mobilenetv2"] + grid, in: dir))

        let test = try String(contentsOf: directory.file("cohort/test.txt"), encoding: .utf8)
        let slide = try #require(test.split(separator: "\n").first?.split(separator: ",").first.map(String.init))
        for cache in [imported, clam] {
            // Every slide's entry, 3 slides × 4 classes (directories; cache.json and the cohort manifest are files).
            let ids = try FileManager.default.contentsOfDirectory(atPath: encoded).filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: "\(encoded)/\($0)", isDirectory: &isDirectory) && isDirectory.boolValue && !$0.hasPrefix(".")
            }
            #expect(ids.count == 12, "entries of \(encoded): \(ids)")
            for id in ids {
                let name = "\(id)/bag_64_word_32_view_0.safetensors"
                let original = try SafeTensorsFile(url: URL(fileURLWithPath: encoded).appendingPathComponent(name))
                let back = try SafeTensorsFile(url: URL(fileURLWithPath: cache).appendingPathComponent(name))
                #expect(try back.tensor(named: "words").scalars == original.tensor(named: "words").scalars, "\(cache): words of \(id)")
                #expect(try back.tensor(named: "word_regions").scalars == original.tensor(named: "word_regions").scalars)
                #expect(try back.tensor(named: "tissue_fractions").scalars.allSatisfy { $0 == 1 }, "each word is covered by its patch")
                #expect(back.metadata["import_format"] != nil)
            }
        }

        _ = try hatnet(["train", "--features", imported, "--train-file", "cohort/train.txt", "--val-file", "cohort/val.txt",
                        "--test-file", "cohort/test.txt", "--epochs", "2", "--out-features", "16", "--attn-heads", "2",
                        "--optim", "adam", "--lr", "1e-3", "--savedir", "run"] + grid, in: dir)
        _ = try hatnet(["eval", "--model", "run"], in: dir)
        let evaluation = try FileManager.default.contentsOfDirectory(atPath: directory.file("run/eval_test").path)
        #expect(evaluation.contains { $0.hasPrefix("mimodel_predictions_") }, "eval wrote no predictions: \(evaluation)")
        _ = try hatnet(["predict", "cohort/\(slide).tiff", "--model", "run", "--features", imported, "--output", "predictions"], in: dir)
        let diagnosis = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("predictions/\(slide).json"))) as? [String: Any])
        #expect((diagnosis["top_bags"] as? [Any])?.isEmpty == false)
        _ = try hatnet(["visualize", "cohort/\(slide).tiff", "--model", "run", "--features", imported, "--out", "figures"], in: dir)
        #expect(FileManager.default.fileExists(atPath: directory.file("figures/attention.json").path))
        // Another slide's features are refused by their extent.
        try FileManager.default.createDirectory(at: directory.file("small"), withIntermediateDirectories: true)
        try PNGImage.write(RGBImage(width: 300, height: 200), to: directory.file("small/\(slide).png"))
        try CommandLineHarness.expectRefusal(["predict", "small/\(slide).png", "--model", "run", "--features", imported, "--output", "p2"],
                                             in: dir, mentioning: ["another slide"], allowedOutputs: ["p2"])
    }
}

/// Hostile `.h5` files and options for `import features` and `export features`: each refused with
/// a message naming the file and dataset (or the option), nothing changed, no trap.
@Suite(.serialized) struct HostileFeatureInteropTests {
    let directory: TemporaryDirectory
    var dir: URL { directory.url }

    init() throws {
        directory = try TemporaryDirectory()
        try PNGImage.write(RGBImage(width: 512, height: 256, filledWith: (210, 120, 170)), to: directory.file("slide_1.png"))
        try "slide_1,0\n".write(to: directory.file("split.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.file("h5"), withIntermediateDirectories: true)
    }

    /// Writes `h5/slide_1.h5` with h5py: `body` is Python run with `f` open for writing; by
    /// default a valid TRIDENT file of 3 patches of 32 pixels.
    private func write(_ body: String = "") throws {
        let result = try PythonInterop.run(script: """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
            \(body.isEmpty ? Self.valid : body)
            """, arguments: [directory.file("h5/slide_1.h5").path])
        #expect(result.status == 0, "h5py: \(result.output)")
    }

    private static let valid = """
            features = f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
            coords = f.create_dataset("coords", data=np.array([[0, 0], [32, 0], [64, 64]], dtype=np.int64))
            coords.attrs["patch_size_level0"] = 32
        """

    private func importing(_ extra: [String] = []) -> [String] {
        ["import", "features", "split.txt", "--format", "trident", "--h5-dir", "h5", "--img-dir", ".", "--img-extn", "png",
         "--bag-size", "64", "--word-size", "32", "--scale-multipliers", "0", "--features-dir", "features"] + extra
    }

    /// Expects the import to be refused; the cache directory an earlier case may have created
    /// (its manifest and slide lock) is removed first, so every case starts from the same files.
    private func refuse(_ mentioning: [String], _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws {
        try? FileManager.default.removeItem(at: directory.file("features"))
        try CommandLineHarness.expectRefusal(importing(extra), in: dir, mentioning: mentioning, allowedOutputs: ["features"],
                                             sourceLocation: sourceLocation)
    }

    @Test func validFileImports() throws {
        try write()
        let outcome = try CommandLineHarness.run(importing(), in: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test func missingTruncatedAndForeignFiles() throws {
        try refuse(["h5/slide_1.h5", "does not exist"])
        try write()
        let valid = try Data(contentsOf: directory.file("h5/slide_1.h5"))
        try valid.prefix(valid.count / 2).write(to: directory.file("h5/slide_1.h5"))
        try refuse(["slide_1.h5"])
        try Data(repeating: 7, count: 4096).write(to: directory.file("h5/slide_1.h5"))
        try refuse(["slide_1.h5", "not an HDF5 file"])
        try Data().write(to: directory.file("h5/slide_1.h5"))
        try refuse(["slide_1.h5", "not an HDF5 file"])
        // A FIFO blocked the library's open until a writer came; a directory is named as one.
        try FileManager.default.removeItem(at: directory.file("h5/slide_1.h5"))
        #expect(mkfifo(directory.file("h5/slide_1.h5").path, 0o600) == 0)
        try refuse(["slide_1.h5", "not a regular file"])
        try FileManager.default.removeItem(at: directory.file("h5/slide_1.h5"))
        try FileManager.default.createDirectory(at: directory.file("h5/slide_1.h5"), withIntermediateDirectories: false)
        try refuse(["slide_1.h5", "is a directory"])
    }

    @Test func wrongDatasets() throws {
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
            """)
        try refuse(["slide_1.h5", "dataset 'coords'", "missing"])
        try write("""
                f.create_dataset("features", data=np.ones((1, 3, 4), dtype=np.float32))
                f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
            """)
        try refuse(["slide_1.h5", "dataset 'features'", "[1, 3, 4]"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                c = f.create_dataset("coords", data=np.zeros((3, 3), dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "dataset 'coords'", "[3, 3]"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.int32))
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "dataset 'features'", "int32"])
        try write("""
                f.create_dataset("features", data=np.array([b"ab", b"cd"]))
                f.create_dataset("coords", data=np.zeros((2, 2), dtype=np.int64))
            """)
        try refuse(["slide_1.h5", "dataset 'features'"])
        try write("""
                f.create_group("features")
                f.create_dataset("coords", data=np.zeros((2, 2), dtype=np.int64))
            """)
        try refuse(["slide_1.h5", "dataset 'features'"])
        try write("""
                f.create_dataset("features", data=np.ones(0, dtype=np.float32))
                f.create_dataset("coords", data=np.zeros((0, 2), dtype=np.int64))
            """)
        try refuse(["slide_1.h5", "dataset 'features'", "[0]"])
    }

    @Test func badValuesAndAttributes() throws {
        try write("""
                x = np.ones((3, 4), dtype=np.float32); x[2, 1] = np.nan
                f.create_dataset("features", data=x)
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "dataset 'features'", "row 2, column 1", "nan"])
        try write("""
                f.create_dataset("features", data=np.full((3, 4), 1e300))
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "dataset 'features'", "inf"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                c = f.create_dataset("coords", data=np.array([[0, 0], [600, 10], [5, 5]], dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "dataset 'coords'", "row 1", "outside"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                c = f.create_dataset("coords", data=np.array([[0, 0], [-3, 10], [5, 5]], dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "row 1", "outside"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
            """)
        try refuse(["slide_1.h5", "patch_size_level0", "--patch-size-level0"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = -32
            """)
        try refuse(["slide_1.h5", "patch size"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = "big"
            """)
        try refuse(["slide_1.h5", "attribute 'patch_size_level0'"])
        try write("""
                f.create_dataset("features", data=np.ones((3, 4), dtype=np.float32))
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
                c.attrs["level0_width"] = 4096
                c.attrs["level0_height"] = 4096
            """)
        try refuse(["slide_1.h5", "4096×4096", "another slide"])
    }

    @Test func hugeDeclaredSizesAreRefusedBeforeReading() throws {
        // 2^31 patches of 1024 features declared, no data stored: 8 TB to read.
        try write("""
                f.create_dataset("features", shape=(2**31, 1024), dtype=np.float32, chunks=(1, 1024))
                c = f.create_dataset("coords", shape=(2**31, 2), dtype=np.int64, chunks=(1, 2))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "'features'"])
        // Within --max-memory: refused by the budget with the amount.
        try write()
        try refuse(["slide_1.h5"], ["--max-memory", "64"])
    }

    @Test func linksOutOfTheFileAreNotFollowed() throws {
        try write()
        try FileManager.default.copyItem(at: directory.file("h5/slide_1.h5"), to: directory.file("other.h5"))
        try write("""
                f["features"] = h5py.ExternalLink(sys.argv[1].replace("h5/slide_1.h5", "other.h5"), "/features")
                c = f.create_dataset("coords", data=np.zeros((3, 2), dtype=np.int64))
                c.attrs["patch_size_level0"] = 32
            """)
        try refuse(["slide_1.h5", "dataset 'features'", "external link"])
    }

    @Test func optionsThatCannotWork() throws {
        try write()
        try CommandLineHarness.expectRefusal(["import", "features", "split.txt", "--format", "qupath", "--h5-dir", "h5", "--img-dir", "."],
                                             in: dir, mentioning: ["--format"])
        try CommandLineHarness.expectRefusal(importing(["--views", "2"]), in: dir, mentioning: ["--views"])
        try CommandLineHarness.expectRefusal(importing(["--patch-size-level0", "nan"]), in: dir, mentioning: ["--patch-size-level0"])
        try CommandLineHarness.expectRefusal(importing(["--features-dir", "h5"]), in: dir, mentioning: ["--features-dir"])
        try CommandLineHarness.expectRefusal(["export", "features", "nowhere", "--format", "tridentx", "--out", "o"], in: dir,
                                             mentioning: ["--format"])
        try CommandLineHarness.expectRefusal(["export", "features", "h5", "--format", "trident", "--out", "o"], in: dir,
                                             mentioning: ["h5", "not a feature cache"], allowedOutputs: ["o"])
    }

    @Test func exportRefusesItsInputAndExistingFiles() throws {
        try write()
        let outcome = try CommandLineHarness.run(importing(), in: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let cache = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("cache ") }.map { String($0.dropFirst(6)) })
        try CommandLineHarness.expectRefusal(["export", "features", cache, "--format", "trident", "--out", cache], in: dir, mentioning: ["--out"])
        try CommandLineHarness.expectRefusal(["export", "features", cache, "--format", "trident", "--out", cache + "/x"], in: dir,
                                             mentioning: ["--out"])
        try FileManager.default.createDirectory(at: directory.file("out"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: directory.file("out/slide_1.h5"))
        try CommandLineHarness.expectRefusal(["export", "features", cache, "--format", "clam", "--out", "out"], in: dir,
                                             mentioning: ["out/slide_1.h5", "--overwrite"], allowedOutputs: ["out/.hatnet.lock"])
        let replaced = try CommandLineHarness.run(["export", "features", cache, "--format", "clam", "--out", "out", "--overwrite"], in: dir)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Data(contentsOf: directory.file("out/slide_1.h5")) != Data("mine".utf8))
    }
}
