import Checkpoints
import Foundation
import Testing
import TestSupport

/// The whole product through the binary, as a user types it: synth → features → train → eval →
/// predict → visualize → metrics → average → export → attend, on a tiny generated cohort with the
/// MobileNetV2 fixture weights (no download). Checks that each command succeeds and writes what
/// the README promises, and that `predict` and `visualize` report the same rectangle for a bag.
@Suite(.serialized) struct EndToEndTests {
    private static let weights = CommandLineHarness.mobileNetV2Weights

    private func hatnet(_ arguments: [String], in directory: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try CommandLineHarness.expectSuccess(arguments, in: directory, sourceLocation: sourceLocation)
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], "\(url.path) is not a JSON object")
    }

    @Test func everyCommandFromSlidesToReports() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.url
        let encoder = ["--encoder", "mobilenetv2", "--scale", "0.5", "--weights", Self.weights]
        let grid = ["--bag-size", "64", "--word-size", "32"]
        // 512×384 slides in a square grid that keeps the aspect: the bottom words are padding, which
        // a bag's rectangle must leave out in predict and visualize alike.
        let cut = ["--keep-aspect"]

        _ = try hatnet(["synth", "--out", "cohort", "--count-per-class", "3", "--size", "512x384", "--seed", "5"], in: dir)
        let test = try String(contentsOf: directory.file("cohort/test.txt"), encoding: .utf8)
        let slide = try #require(test.split(separator: "\n").first?.split(separator: ",").first.map(String.init), "empty test split")

        let features = try hatnet(["features", "cohort/train.txt", "cohort/val.txt", "cohort/test.txt", "--img-dir", "cohort",
                                   "--img-extn", "tiff", "--scale-multipliers", "0", "--features-dir", "features"] + grid + cut + encoder, in: dir)
        let cache = try #require(features.split(separator: "\n").first { $0.hasPrefix("cache ") }.map { String($0.dropFirst(6)) },
                                 "features printed no cache directory: \(features)")

        _ = try hatnet(["train", "--features", cache, "--train-file", "cohort/train.txt", "--val-file", "cohort/val.txt",
                        "--test-file", "cohort/test.txt", "--scale-multipliers", "0", "--epochs", "3", "--out-features", "16",
                        "--attn-heads", "2", "--optim", "adam", "--lr", "1e-3", "--savedir", "run"] + grid, in: dir)
        for name in ["checkpoint_last.safetensors", "model_best.safetensors", "model_configuration.json", "training_log.csv"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("run/\(name)").path), "train wrote no \(name)")
        }

        _ = try hatnet(["eval", "--model", "run"], in: dir)
        let evaluation = try FileManager.default.contentsOfDirectory(atPath: directory.file("run/eval_test").path)
        let predictionsFile = try #require(evaluation.first { $0.hasPrefix("mimodel_predictions_") }, "eval wrote no predictions: \(evaluation)")
        #expect(evaluation.contains { $0.hasPrefix("mimodel_roc_") && $0.hasSuffix(".png") })

        _ = try hatnet(["metrics", "--input", "run/eval_test/\(predictionsFile)", "--output", "metrics.json", "--plots", "plots"], in: dir)
        let metrics = try json(directory.file("metrics.json"))
        #expect(metrics["confusion_matrix"] != nil && metrics["roc_auc"] != nil)

        _ = try hatnet(["predict", "cohort/\(slide).tiff", "--model", "run", "--output", "predictions", "--top-bags", "4"] + cut + encoder, in: dir)
        let diagnosis = try json(directory.file("predictions/\(slide).json"))
        let topBags = try #require(diagnosis["top_bags"] as? [[String: Any]])
        #expect(topBags.count == 4)

        _ = try hatnet(["visualize", "cohort/\(slide).tiff", "--model", "run", "--annotations", "cohort/\(slide).geojson",
                        "--out", "figures"] + cut + encoder, in: dir)
        let attention = try json(directory.file("figures/attention.json"))
        let bags = try #require(attention["bags"] as? [[String: Any]])
        for bag in topBags {
            let index = try #require(bag["bag"] as? Int), region = try #require(bag["region"] as? [String: Double])
            let drawn = try #require(bags.first { $0["index"] as? Int == index }?["rectangle"] as? [Double])
            let reported = [region["x"]!, region["y"]!, region["width"]!, region["height"]!]
            #expect(zip(drawn, reported).allSatisfy { Swift.abs($0 - $1) < 1e-6 },
                    "bag \(index): visualize draws \(drawn), predict reports \(reported)")
        }
        for name in ["top_bags.png", "top_words.pdf", "word_heatmap.png", "bag_heatmap.pdf"] {
            #expect(FileManager.default.fileExists(atPath: directory.file("figures/\(name)").path), "visualize wrote no \(name)")
        }

        _ = try hatnet(["average", "--checkpoint-dir", "run", "--best-n", "2"], in: dir)
        #expect(FileManager.default.fileExists(atPath: directory.file("run/averaged_model_best2.safetensors").path))
        _ = try hatnet(["export", "--to", "pth", "run/model_best.safetensors", "--output", "best.pth"], in: dir)
        let cachedSlide = URL(fileURLWithPath: cache).appendingPathComponent(slide).appendingPathComponent("bag_64_word_32_view_0.safetensors")
        _ = try hatnet(["attend", "--config", "run/model_configuration.json", "--weights", "best.pth",
                        "--features", cachedSlide.path, "--output", "attention.safetensors"], in: dir)
        let attended = try SafeTensorsFile(url: directory.file("attention.safetensors"))
        #expect(try attended.tensor(named: "probabilities").shape == [1, 4])
        #expect(try attended.tensor(named: "bag_scores").shape == [1, 4])
    }
}
