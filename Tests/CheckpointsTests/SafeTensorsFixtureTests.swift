import Foundation
import Testing
import Checkpoints

/// Every safetensors fixture of the reference run opens, and every tensor in it reads back
/// with the element count its shape announces.
@Suite struct SafeTensorsFixtureTests {
    /// Names and shapes the fixtures README documents, per file.
    static let knownShapes: [String: [String: [Int]]] = [
        "mimodel_softmax_l2_io.safetensors": [
            "words": [1, 9, 9, 96], "logits": [1, 4], "w2w_self_attn": [1, 81, 81], "b2b_self_attn": [1, 9, 9],
            "word_scores": [1, 9, 9], "bag_scores": [1, 9], "label": [1], "class_weights": [4], "loss": [1],
            "grad.bag_word_wt.weight": [9, 9],
        ],
        "mimodel_tanh_l1_io.safetensors": [
            "words": [1, 9, 9, 96], "w2w_self_attn": [1, 81, 81], "label": [1], "loss": [1],
        ],
        "mimodel_softmax_l2.safetensors": [
            "project_cnn_words.weight": [64, 96], "bag_word_wt.weight": [9, 9], "classifier.weight": [4, 64],
        ],
        "mimodel_tanh_l1.safetensors": ["attn_ovr_bags.ffn.w_1.weight": [256, 64]],
        "mimodel_softmax_l2_adam3.safetensors": ["losses": [3], "classifier.bias": [4]],
        "mimodel_tanh_l1_adam3.safetensors": ["losses": [3]],
        "encoder_mobilenetv2_w0.5_io.safetensors": ["input": [2, 3, 64, 64], "features": [2, 1280]],
        "encoder_mnasnet_a0.5_io.safetensors": ["input": [2, 3, 64, 64], "features": [2, 1280]],
        "encoder_espnetv2_s0.5_io.safetensors": ["input": [2, 3, 64, 64], "features": [2, 1024]],
        "encoder_efficientnet-lite0_imagenet_io.safetensors": [
            "input": [2, 3, 224, 224], "features": [2, 1280], "logits": [2, 1000],
        ],
        "encoder_resnet50_trunc_io.safetensors": ["input": [2, 3, 96, 96], "features": [2, 1024]],
        "encoder_vit_s16_io.safetensors": ["input": [2, 3, 224, 224], "tokens": [2, 197, 384], "features": [2, 384]],
        "encoder_vit_s14_reg4_swiglu_io.safetensors": ["input": [2, 3, 112, 112], "tokens": [2, 69, 384], "features": [2, 384]],
        "words_ihc_bag96_word32.safetensors": ["words": [9, 9, 3, 32, 32]],
        "words_ihc_bag192_word64.safetensors": ["words": [9, 9, 3, 64, 64]],
    ]

    static let tensorCounts: [String: Int] = [
        "mimodel_softmax_l2.safetensors": 67, "mimodel_tanh_l1.safetensors": 67,
        "mimodel_softmax_l2_io.safetensors": 76, "encoder_mobilenetv2_w0.5.safetensors": 314,
        "encoder_mnasnet_a0.5.safetensors": 314, "encoder_espnetv2_s0.5.safetensors": 487,
    ]

    @Test func everyFixtureReadsByNameAndShape() throws {
        let files = try ReferenceFixtures.files(withExtension: "safetensors")
        #expect(files.count == 21, "expected the 21 safetensors fixtures, found \(files.count)")
        for url in files {
            let file = try SafeTensorsFile(url: url)
            let name = url.lastPathComponent
            if let expectedCount = Self.tensorCounts[name] {
                #expect(file.names.count == expectedCount, "\(name): \(file.names.count) tensors")
            }
            for (tensorName, shape) in Self.knownShapes[name] ?? [:] {
                #expect(try file.info(tensorName).shape == shape, "\(name): \(tensorName)")
            }
            for entry in file.entries {
                if entry.dataType.isInteger {
                    let integers = try file.int64s(named: entry.name)
                    #expect(integers.shape == entry.shape && integers.values.count == entry.elementCount)
                } else {
                    let tensor = try file.tensor(named: entry.name)
                    #expect(tensor.shape == entry.shape, "\(name): \(entry.name)")
                    #expect(tensor.scalars.allSatisfy { $0.isFinite }, "\(name): \(entry.name) has non-finite values")
                }
            }
        }
    }

    @Test func labelIsInt64AndReadsExactly() throws {
        let file = try SafeTensorsFile(url: ReferenceFixtures.url("mimodel_softmax_l2_io.safetensors"))
        let entry = try file.info("label")
        #expect(entry.dataType == .int64)
        let label = try file.int64s(named: "label")
        #expect(label.shape == [1])
        #expect((0..<4).contains(label.values[0]))
        #expect(throws: CheckpointError.self) { try file.int64s(named: "words") }
        #expect(throws: CheckpointError.self) { try file.tensor(named: "no.such.tensor") }
    }

    @Test func batchNormCountersAreInt64() throws {
        let file = try SafeTensorsFile(url: ReferenceFixtures.url("encoder_mobilenetv2_w0.5.safetensors"))
        let counters = file.entries.filter { $0.name.hasSuffix("num_batches_tracked") }
        #expect(!counters.isEmpty)
        #expect(counters.allSatisfy { $0.dataType == .int64 && $0.shape == [] })
    }
}
