import Checkpoints
import HATNet
import Foundation
import Testing
import TestSupport
@testable import Pipeline
import TensorKit

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/reference")

/// `hatnet attend` end to end on the reference fixtures, and its errors.
@Suite struct AttentionRunTests {
    func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-\(UUID().uuidString)-\(name)")
    }

    @Test func writesTheReferenceOutputs() throws {
        let model = try AttentionRun.loadModel(configurationURL: fixtures.appendingPathComponent("mimodel_tanh_l1.json"),
                                               weightsURL: fixtures.appendingPathComponent("mimodel_tanh_l1.safetensors"))
        let output = temporaryURL("attend.safetensors")
        defer { try? FileManager.default.removeItem(at: output) }
        try AttentionRun.run(model: model, featuresURL: fixtures.appendingPathComponent("mimodel_tanh_l1_io.safetensors"),
                             outputURL: output)
        let written = try SafeTensorsFile(url: output)
        let reference = try SafeTensorsFile(url: fixtures.appendingPathComponent("mimodel_tanh_l1_io.safetensors"))
        for name in ["logits", "w2w_self_attn", "b2b_self_attn", "word_scores", "bag_scores"] {
            expectClose(try written.tensor(named: name), try reference.tensor(named: name),
                        tolerance: Tolerance(absolute: 1e-4, relative: 1e-4), name)
        }
        let probabilities = try written.tensor(named: "probabilities")
        #expect(Swift.abs(probabilities.scalars.reduce(0, +) - 1) < 1e-5)
    }

    @Test func pthWeightsGiveTheSameLogitsAsSafeTensors() throws {
        let configuration = fixtures.appendingPathComponent("mimodel_softmax_l2.json")
        let features = fixtures.appendingPathComponent("mimodel_softmax_l2_io.safetensors")
        var logits: [[Float]] = []
        for weights in ["mimodel_softmax_l2.safetensors", "mimodel_softmax_l2.pth"] {
            let model = try AttentionRun.loadModel(configurationURL: configuration,
                                                   weightsURL: fixtures.appendingPathComponent(weights))
            let output = temporaryURL("attend-\(weights).safetensors")
            defer { try? FileManager.default.removeItem(at: output) }
            try AttentionRun.run(model: model, featuresURL: features, outputURL: output)
            logits.append(try SafeTensorsFile(url: output).tensor(named: "logits").scalars)
        }
        #expect(logits[0] == logits[1], "max difference \(zip(logits[0], logits[1]).map { Swift.abs($0 - $1) }.max() ?? 0)")
    }

    /// A `hatnet features` cache file — one slide's `[Nb, Nw, F]` words and its `word_regions` — is
    /// accepted as a batch of one, and the word rectangles are passed on for `hatnet visualize`.
    @Test func oneSlideOfTheFeatureCacheIsABatchOfOne() throws {
        let model = try AttentionRun.loadModel(configurationURL: fixtures.appendingPathComponent("mimodel_softmax_l2.json"),
                                               weightsURL: fixtures.appendingPathComponent("mimodel_softmax_l2.safetensors"))
        let batch = try SafeTensorsFile(url: fixtures.appendingPathComponent("mimodel_softmax_l2_io.safetensors")).tensor(named: "words")
        let slideShape = Array(batch.shape.dropFirst())
        let firstSlide = Tensor(shape: slideShape, scalars: Array(batch.scalars.prefix(slideShape.reduce(1, *))))
        let regions = Tensor(shape: [slideShape[0], slideShape[1], 4],
                             scalars: (0..<(slideShape[0] * slideShape[1] * 4)).map { Float($0) })
        var writer = SafeTensorsWriter()
        writer.add(firstSlide, named: "words")
        writer.add(regions, named: "word_regions")
        let cacheFile = temporaryURL("slide.safetensors"), batchFile = temporaryURL("batch.safetensors")
        let slideOutput = temporaryURL("slide-out.safetensors"), batchOutput = temporaryURL("batch-out.safetensors")
        defer { for url in [cacheFile, batchFile, slideOutput, batchOutput] { try? FileManager.default.removeItem(at: url) } }
        try writer.write(to: cacheFile)
        var batchWriter = SafeTensorsWriter()
        batchWriter.add(firstSlide.unsqueezed(axis: 0), named: "words")
        try batchWriter.write(to: batchFile)
        try AttentionRun.run(model: model, featuresURL: cacheFile, outputURL: slideOutput)
        try AttentionRun.run(model: model, featuresURL: batchFile, outputURL: batchOutput)
        let fromSlide = try SafeTensorsFile(url: slideOutput), fromBatch = try SafeTensorsFile(url: batchOutput)
        for name in ["logits", "word_scores", "bag_scores"] {
            let slide = try fromSlide.tensor(named: name), batch = try fromBatch.tensor(named: name)
            #expect(slide.shape == batch.shape && slide.scalars == batch.scalars, "\(name) differs")
        }
        #expect(try fromSlide.tensor(named: "word_regions").scalars == regions.scalars)
        #expect(!fromBatch.contains("word_regions"))
    }

    @Test func mismatchedFeaturesAreRejectedWithBothShapes() throws {
        let model = try AttentionRun.loadModel(configurationURL: fixtures.appendingPathComponent("mimodel_tanh_l1.json"),
                                               weightsURL: fixtures.appendingPathComponent("mimodel_tanh_l1.safetensors"))
        let features = temporaryURL("features.safetensors")
        defer { try? FileManager.default.removeItem(at: features) }
        var writer = SafeTensorsWriter()
        writer.add(Tensor.zeros([1, 9, 9, 50]), named: "words")
        try writer.write(to: features)
        #expect {
            try AttentionRun.run(model: model, featuresURL: features, outputURL: temporaryURL("out.safetensors"))
        } throws: { error in
            let message = "\(error)"
            return message.contains("[1, 9, 9, 50]") && message.contains("[B, 9, 9, 96]") && message.contains(features.path)
        }
    }

    @Test func weightsOfAnotherShapeNameTheTensor() throws {
        let configuration = temporaryURL("config.json")
        defer { try? FileManager.default.removeItem(at: configuration) }
        try Data(#"{"n_classes": 4, "cnn_feature_sz": 128, "out_features": 64, "num_bags_words": 3, "attn_heads": 2, "dropout": 0.4, "attn_p": 0.2, "attn_type": "l1", "attn_fn": "tanh"}"#.utf8)
            .write(to: configuration)
        #expect {
            _ = try AttentionRun.loadModel(configurationURL: configuration,
                                           weightsURL: fixtures.appendingPathComponent("mimodel_tanh_l1.safetensors"))
        } throws: { error in
            "\(error)".contains("project_cnn_words.weight") && "\(error)".contains("[64, 96]") && "\(error)".contains("[64, 128]")
        }
    }

    @Test func modelZooConfigurationsDeriveTheGrid() throws {
        let configuration = temporaryURL("zoo.json")
        defer { try? FileManager.default.removeItem(at: configuration) }
        try Data(#"{"bag_size": 1792, "word_size": 256, "base_extractor": "espnetv2", "s": 2.0, "out_features": 256, "attn_heads": 4, "attn_fn": "softmax", "attn_type": "l2", "dropout": 0.4, "attn_p": 0.2, "num_classes": 1000}"#.utf8)
            .write(to: configuration)
        let loaded = try HATNetConfiguration.load(from: configuration)
        #expect(loaded.numBagsWords == 7 && loaded.cnnFeatures == 1280 && loaded.numClasses == 4 && loaded.numHeads == 4)
    }
}

/// Training actually optimises: on generated features the loss falls and held-out accuracy rises
/// well above chance (25 %).
@Suite struct TrainingOptimisationTests {
    @Test func lossFallsAndHeldOutAccuracyRises() {
        var demo = FeatureTrainingDemo()
        demo.epochs = 8
        demo.trainingSlides = 32
        demo.heldOutSlides = 24
        let reports = demo.run()
        let first = reports[0], last = reports[reports.count - 1]
        #expect(last.meanLoss < first.meanLoss * 0.5, "loss \(first.meanLoss) → \(last.meanLoss)")
        #expect(reports.suffix(3).map(\.heldOutAccuracy).max()! >= 0.6, "held-out accuracy \(reports.map(\.heldOutAccuracy))")
    }
}
