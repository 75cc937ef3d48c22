import Foundation
import HATNet
import Testing

/// The authors' three released configs (model_zoo/<cnn>_config_bag_1792_word_256_softmax_l2.json)
/// load, with the fields they record; crafted ones are refused with the field named.
@Suite struct ModelZooConfigurationTests {
    /// The fields of the released file that matter here, as the authors wrote them (the mobilenetv2
    /// file records "s": 2.0, which the reference ignores for MobileNetV2; "num_classes" is the CNN's
    /// ImageNet head, not HATNet's).
    private func releasedConfig(encoder: String, s: Double) -> String {
        """
        {"accum_count": 8, "attn_fn": "softmax", "attn_heads": 4, "attn_p": 0.2, "attn_type": "l2", "bag_size": 1792,
         "base_extractor": "\(encoder)", "clr_max": 61, "dropout": 0.4, "epochs": 100, "lr": 0.0001, "num_classes": 1000,
         "out_features": 256, "s": \(s), "scheduler": "multistep", "step_size": [51], "word_size": 256}
        """
    }

    private func load(_ text: String) throws -> HATNetConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-zoo-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try HATNetConfiguration.load(from: url)
    }

    @Test(arguments: [("espnetv2", 2.0), ("mobilenetv2", 2.0), ("mnasnet", 1.0)])
    func releasedConfigsLoad(_ released: (String, Double)) throws {
        let configuration = try load(releasedConfig(encoder: released.0, s: released.1))
        #expect(configuration.cnnFeatures == 1280)
        #expect(configuration.numBagsWords == 7 && configuration.numClasses == 4 && configuration.outFeatures == 256)
        #expect(configuration.numHeads == 4 && configuration.attentionFunction == .softmax && configuration.energyReduction == .l2)
    }

    @Test(arguments: [
        (#"{"bag_size": 1e300, "word_size": 256}"#, "bag_size"),
        (#"{"bag_size": 1792, "word_size": 0}"#, "word_size"),
        (#"{"bag_size": 1792, "word_size": 256, "base_extractor": "mnasnet", "s": 2.0}"#, "mnasnet"),
        (#"{"bag_size": 1792, "word_size": 256, "n_classes": 1099511627776}"#, "n_classes"),
        (#"{"bag_size": 1792, "word_size": 256, "out_features": true}"#, "out_features"),
        (#"{"bag_size": 17920, "word_size": 256}"#, "num_bags_words"),
        (#"{"n_classes": 4, "cnn_feature_sz": 16, "out_features": 8, "num_bags_words": 3.5, "attn_heads": 2, "dropout": 0.1, "attn_p": 0.1, "attn_type": "l2", "attn_fn": "softmax"}"#, "num_bags_words"),
        (#"{"n_classes": 4, "cnn_feature_sz": 1000000000000, "out_features": 8, "num_bags_words": 2, "attn_heads": 2, "dropout": 0.1, "attn_p": 0.1, "attn_type": "l2", "attn_fn": "softmax"}"#, "cnn_feature_sz"),
        ("[1, 2]", "not an object"),
    ])
    func craftedConfigsNameTheField(_ crafted: (String, String)) {
        do {
            _ = try load(crafted.0)
            Issue.record("accepted \(crafted.0)")
        } catch {
            #expect("\(error)".contains(crafted.1), "\(error)")
        }
    }
}
