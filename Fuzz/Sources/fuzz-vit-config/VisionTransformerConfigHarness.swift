import Encoders
import Foundation
import FuzzSupport

/// Fuzzes the ViT configuration reader behind `--vit-config`: `VisionTransformerConfiguration(contentsOf:)`
/// (timm constructor arguments as JSON, then `validate`). A configuration it accepts must give
/// every size the encoder derives from it (positions, head dimension, parameters) without overflow.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/reference")
        // UNI2-h's published arguments (TRIDENT) and a configuration with every extra key.
        let uni2h = """
        {"img_size": 224, "patch_size": 14, "depth": 24, "num_heads": 24, "init_values": 1e-5, "embed_dim": 1536,
         "mlp_ratio": 5.33334, "num_classes": 0, "no_embed_class": true, "mlp_layer": "timm.layers.SwiGLUPacked",
         "act_layer": "torch.nn.SiLU", "reg_tokens": 8, "dynamic_img_size": true}
        """
        let extras = """
        {"img_size": [112, 112], "patch_size": 16, "embed_dim": 64, "depth": 1, "num_heads": 4, "qkv_bias": false,
         "class_token": true, "global_pool": "", "hatnet_pooling": "token+avg", "fc_norm": false, "final_norm": true,
         "layer_norm_eps": 1e-5, "input_mean": [0.707, 0.578, 0.703], "input_std": [0.211, 0.230, 0.177],
         "norm_layer": "LayerNorm", "drop_rate": 0.0, "pos_embed": "learn", "qk_norm": false}
        """
        return [("encoder_vit_s16.json", try Data(contentsOf: fixtures.appendingPathComponent("encoder_vit_s16.json"))),
                ("encoder_vit_s14_reg4_swiglu.json", try Data(contentsOf: fixtures.appendingPathComponent("encoder_vit_s14_reg4_swiglu.json"))),
                ("uni2h.json", Data(uni2h.utf8)), ("extras.json", Data(extras.utf8))]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "vit-config.json")
    do {
        let configuration = try VisionTransformerConfiguration(contentsOf: url)
        // What the encoder computes from an accepted configuration (each would trap on overflow).
        let sizes = [configuration.positionCount, configuration.headDimension, configuration.mlpInnerFeatures,
                     configuration.featureCount, configuration.gridSize]
        guard configuration.parameterCount != nil, sizes.allSatisfy({ $0 > 0 }),
              configuration.gridSize * configuration.gridSize <= VisionTransformerConfiguration.maximumPatchCount else {
            fatalError("fuzz harness: an accepted ViT configuration has an unusable size: \(configuration)")
        }
    } catch {
        FuzzInput.requireNamesFile(error, url.lastPathComponent)
    }
    return 0
}
