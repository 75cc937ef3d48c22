import Checkpoints
import Encoders
import Foundation
import Testing
import TestSupport
import TensorKit

/// CLAM's ResNet50-trunc and timm ViTs against the shared fixtures (timm 1.0.31 / torchvision
/// 0.29 with random weights; tokens and features), a configuration the fixtures do not have
/// against a pure-PyTorch twin, and Hugging Face key names mapped onto timm's.
@Suite struct ModernEncoderTests {
    static func ioTensors(_ name: String) throws -> (input: Tensor, tokens: Tensor?, features: Tensor) {
        let file = try SafeTensorsFile(url: EncoderFixtures.url("encoder_\(name)_io.safetensors"))
        return (try file.tensor(named: "input"), file.contains("tokens") ? try file.tensor(named: "tokens") : nil,
                try file.tensor(named: "features"))
    }

    static func vit(_ name: String, weights: EncoderWeights? = nil) throws -> VisionTransformer {
        let configuration = try VisionTransformerConfiguration(contentsOf: EncoderFixtures.url("encoder_\(name).json"))
        let weights = try weights ?? EncoderWeights(contentsOf: EncoderFixtures.url("encoder_\(name).safetensors"))
        return try #require(try EncoderArchitecture.vit.makeEncoder(vitConfiguration: configuration, weights: weights) as? VisionTransformer)
    }

    @Test func resNet50TruncatedMatchesCLAM() throws {
        let io = try Self.ioTensors("resnet50_trunc")
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_resnet50_trunc.safetensors"))
        let encoder = try EncoderArchitecture.resnet50Truncated.makeEncoder(weights: weights)
        #expect(encoder.featureCount == 1024)
        #expect(encoder.featureMap(FeatureMap(nchw: io.input)).height == 6)   // 96 / 16
        expectClose(encoder.features(io.input), io.features, tolerance: .encoderParity, "resnet50_trunc")
    }

    @Test(arguments: ["vit_s16", "vit_s14_reg4_swiglu"])
    func visionTransformerMatchesTimm(fixture: String) throws {
        let io = try Self.ioTensors(fixture)
        let encoder = try Self.vit(fixture)
        let images = FeatureMap(nchw: io.input)
        try encoder.checkInput(height: images.height, width: images.width)
        expectClose(encoder.tokens(images), try #require(io.tokens), tolerance: .encoderParity, "\(fixture) tokens")
        expectClose(encoder.features(io.input), io.features, tolerance: .encoderParity, "\(fixture) features")
    }

    /// timm keys renamed to Hugging Face `ViTModel` (s16) or `Dinov2Model` (s14, registers and
    /// LayerScale) names, q/k/v split: the encoder built from them gives identical outputs.
    @Test(arguments: ["vit_s16", "vit_s14_reg4_swiglu"])
    func huggingFaceNamesGiveIdenticalOutputs(fixture: String) throws {
        let timm = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_\(fixture).safetensors"))
        let dinov2 = fixture.contains("s14")
        var renamed = ["dinov2.embeddings.mask_token": Tensor.zeros([1, 384])]
        for (key, tensor) in timm.tensors {
            var name = key
            for (from, to) in [("cls_token", "embeddings.cls_token"), ("reg_token", "embeddings.register_tokens"),
                               ("pos_embed", "embeddings.position_embeddings"),
                               ("patch_embed.proj", "embeddings.patch_embeddings.projection"), ("norm.", "layernorm.")]
            where key.hasPrefix(from) { name = to + key.dropFirst(from.count) }
            if key.hasPrefix("blocks.") {
                let parts = key.split(separator: ".", maxSplits: 2)
                let layer = "encoder.layer.\(parts[1])."
                var rest = String(parts[2])
                if rest.hasPrefix("attn.qkv.") {
                    let pieces = tensor.split(axis: 0, sizes: [384, 384, 384])
                    for (piece, role) in zip(pieces, ["query", "key", "value"]) {
                        renamed["dinov2." + layer + "attention.attention.\(role)." + rest.dropFirst("attn.qkv.".count)] = piece
                    }
                    continue
                }
                let table = dinov2
                    ? [("attn.proj.", "attention.output.dense."), ("ls1.gamma", "layer_scale1.lambda1"), ("ls2.gamma", "layer_scale2.lambda1")]
                    : [("attn.proj.", "attention.output.dense."), ("norm1.", "layernorm_before."), ("norm2.", "layernorm_after."),
                       ("mlp.fc1.", "intermediate.dense."), ("mlp.fc2.", "output.dense.")]
                for (from, to) in table where rest.hasPrefix(from) { rest = to + rest.dropFirst(from.count) }
                name = layer + rest
            }
            renamed["dinov2." + name] = tensor
        }
        let huggingFace = EncoderWeights(tensors: renamed, source: "hf.safetensors")
        #expect(huggingFace.hasHuggingFaceViTNames && !timm.hasHuggingFaceViTNames)
        #expect(!renamed.keys.contains { $0.contains("qkv") || $0.contains("blocks.") })
        let io = try Self.ioTensors(fixture)
        let images = FeatureMap(nchw: io.input)
        #expect(try Self.vit(fixture, weights: huggingFace).tokens(images).scalars == (try Self.vit(fixture).tokens(images).scalars))
    }

    /// Patch 8, 2 registers whose position rows are stored (no `no_embed_class`), LayerScale, GELU
    /// MLP, average pooling through `fc_norm`, made for 64² and fed 96² (the grid grows 8 → 12):
    /// against the PyTorch twin, which first reproduces a timm fixture.
    @Test func unseenConfigurationMatchesPyTorchTwin() throws {
        let scratch = try TemporaryDirectory()
        let json = """
            {"img_size": 64, "patch_size": 8, "embed_dim": 96, "depth": 2, "num_heads": 4, "reg_tokens": 2, "init_values": 1e-5,
             "dynamic_img_size": true, "global_pool": "avg", "mlp_ratio": 3.0}
            """
        let result = try PythonInterop.run(script: VisionTransformerTwin.script, arguments: [
            json, "96", EncoderFixtures.url("encoder_vit_s14_reg4_swiglu").path, scratch.file("twin").path])
        #expect(result.status == 0, "python failed: \(result.output)")
        let configuration = try VisionTransformerConfiguration(json: Data(json.utf8), source: "twin.json")
        #expect(configuration.pooling == .patchMean && configuration.usesFcNorm && configuration.positionCount == 67)
        let encoder = try VisionTransformer(configuration: configuration,
                                            weights: try EncoderWeights(contentsOf: scratch.file("twin.safetensors")))
        let file = try SafeTensorsFile(url: scratch.file("twin_io.safetensors"))
        let input = try file.tensor(named: "input")
        expectClose(encoder.tokens(FeatureMap(nchw: input)), try file.tensor(named: "tokens"), tolerance: .encoderParity, "twin tokens")
        expectClose(encoder.features(input), try file.tensor(named: "features"), tolerance: .encoderParity, "twin features")
    }

    /// `F.interpolate(mode='bicubic', antialias=True)` for shrinking, growing and non-square sizes.
    @Test func antialiasedBicubicMatchesPyTorch() throws {
        let scratch = try TemporaryDirectory()
        let cases: [(Int, Int, Int, Int)] = [(16, 16, 8, 8), (16, 16, 7, 7), (14, 14, 20, 20), (7, 7, 16, 16), (16, 12, 9, 17), (5, 5, 3, 3), (16, 16, 1, 1)]
        let script = """
            import sys, torch, torch.nn.functional as F
            from safetensors.torch import save_file
            torch.manual_seed(3)
            out = {}
            for spec in sys.argv[2:]:
                h, w, oh, ow = map(int, spec.split("x"))
                x = torch.randn(2, 5, h, w)
                out["in_" + spec] = x
                out["out_" + spec] = F.interpolate(x, size=(oh, ow), mode="bicubic", antialias=True, align_corners=False)
            save_file(out, sys.argv[1])
            """
        let specs = cases.map { "\($0.0)x\($0.1)x\($0.2)x\($0.3)" }
        let result = try PythonInterop.run(script: script, arguments: [scratch.file("bicubic.safetensors").path] + specs)
        #expect(result.status == 0, "python failed: \(result.output)")
        let file = try SafeTensorsFile(url: scratch.file("bicubic.safetensors"))
        for (spec, size) in zip(specs, cases) {
            let ours = AntialiasedBicubic.resize(try file.tensor(named: "in_" + spec), height: size.2, width: size.3)
            expectClose(ours, try file.tensor(named: "out_" + spec), tolerance: Tolerance(absolute: 1e-5, relative: 1e-5), "bicubic \(spec)")
        }
    }

    @Test func fixedSizeViTRefusesOtherWordSizes() throws {
        let encoder = try Self.vit("vit_s16")
        #expect(throws: EncoderInputError.self) { try encoder.checkInput(height: 256, width: 256) }
        try encoder.checkInput(height: 224, width: 224)
        let dynamic = try Self.vit("vit_s14_reg4_swiglu")
        #expect(throws: EncoderInputError.self) { try dynamic.checkInput(height: 100, width: 100) }
        #expect(throws: EncoderInputError.self) { try dynamic.checkInput(height: 14 * 200, width: 14 * 200) }
        try dynamic.checkInput(height: 252, width: 252)
    }

    /// Each preset's parameter count against the published model size (millions).
    @Test(arguments: [("uni", 303.0, 1024), ("uni2-h", 681.0, 1536), ("virchow2", 632.0, 2560),
                      ("h-optimus-0", 1134.0, 1536), ("prov-gigapath", 1134.0, 1536), ("phikon-v2", 303.0, 1024)])
    func presetsHaveThePublishedSize(preset: String, millions: Double, featureCount: Int) throws {
        let configuration = try #require(VisionTransformerPreset(rawValue: preset)).configuration
        try configuration.validate(source: preset)
        let parameters = Double(try #require(configuration.parameterCount)) / 1e6
        #expect(abs(parameters - millions) / millions < 0.02, "\(preset): \(parameters) M parameters, published \(millions) M")
        #expect(configuration.featureCount == featureCount)
    }
}

/// Hostile ViT configurations and weight files: each gives an error naming the field or tensor.
@Suite struct VisionTransformerHostileInputTests {
    static let valid = #"{"img_size": 224, "patch_size": 16, "embed_dim": 384, "depth": 2, "num_heads": 6}"#

    @Test(arguments: [
        (#"{"embed_dim": 384, "num_heads": 5, "depth": 2}"#, "num_heads"),
        (#"{"patch_size": 0}"#, "patch_size"),
        (#"{"img_size": 1000000000000}"#, "img_size"),
        (#"{"img_size": 100, "patch_size": 16}"#, "img_size"),
        (#"{"embed_dim": 8192, "depth": 256, "num_heads": 64, "mlp_ratio": 8}"#, "depth"),
        (#"{"mlp_ratio": "four"}"#, "mlp_ratio"),
        (#"{"mlp_ratio": 1e300}"#, "mlp_ratio"),
        (#"{"embed_dim": true}"#, "embed_dim"),
        (#"{"embed_dim": 38.5}"#, "embed_dim"),
        (#"{"qk_norm": true}"#, "qk_norm"),
        (#"{"global_pool": "map"}"#, "global_pool"),
        (#"{"global_pool": ""}"#, "global_pool"),
        (#"{"mlp_layer": "SwiGLUPacked", "embed_dim": 5, "num_heads": 1, "mlp_ratio": 1}"#, "mlp_ratio"),
        (#"{"class_token": false}"#, "global_pool"),
        (#"{"reg_tokens": -1}"#, "reg_tokens"),
        (#"{"frobnicate": 1}"#, "frobnicate"),
        (#"[1, 2]"#, "(document)"),
        (#"{"depth": 2"#, "(document)"),
    ])
    func configurationErrorsNameTheField(json: String, field: String) throws {
        let error = #expect(throws: VisionTransformerConfigurationError.self) {
            _ = try VisionTransformerConfiguration(json: Data(json.utf8), source: "hostile.json")
        }
        #expect(error?.field == field, "\(String(describing: error))")
        #expect("\(error.map { "\($0)" } ?? "")".hasPrefix("hostile.json: ViT configuration '\(field)'"))
    }

    static func fixtureTensors() throws -> [String: Tensor] {
        try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_vit_s16.safetensors")).tensors
    }

    static func build(_ tensors: [String: Tensor]) throws -> any Encoder {
        let configuration = try VisionTransformerConfiguration(json: Data(valid.utf8), source: "config.json")
        return try EncoderArchitecture.vit.makeEncoder(vitConfiguration: configuration, weights: EncoderWeights(tensors: tensors, source: "w.safetensors"))
    }

    @Test func missingMisshapenAndNonFiniteWeightsAreRefused() throws {
        var tensors = try Self.fixtureTensors()
        _ = try Self.build(tensors)
        tensors["blocks.1.mlp.fc1.weight"] = nil
        tensors["norm.bias"] = nil
        #expect(throws: EncoderWeightError.missingTensors(file: "w.safetensors", names: ["blocks.1.mlp.fc1.weight", "norm.bias"])) {
            try Self.build(tensors)
        }
        tensors = try Self.fixtureTensors()
        tensors["pos_embed"] = Tensor.zeros([1, 196, 384])
        #expect(throws: EncoderWeightError.misshapenTensor(file: "w.safetensors", name: "pos_embed", expected: [1, 197, 384], actual: [1, 196, 384])) {
            try Self.build(tensors)
        }
        tensors = try Self.fixtureTensors()
        var poisoned = tensors["blocks.0.attn.qkv.weight"]!.scalars
        poisoned[17] = .nan
        tensors["blocks.0.attn.qkv.weight"] = Tensor(shape: [1152, 384], scalars: poisoned)
        let nonFinite = #expect(throws: (any Error).self) { try Self.build(tensors) }
        #expect("\(nonFinite.map { "\($0)" } ?? "")".contains("blocks.0.attn.qkv.weight"))
    }

    @Test func huggingFaceCheckpointWithoutAllOfQKVIsRefused() throws {
        let weights = EncoderWeights(tensors: ["embeddings.patch_embeddings.projection.weight": .zeros([384, 3, 16, 16]),
                                               "encoder.layer.0.attention.attention.query.weight": .zeros([384, 384]),
                                               "encoder.layer.0.attention.attention.key.weight": .zeros([384, 384])],
                                     source: "hf.safetensors")
        let error = #expect(throws: EncoderWeightError.self) { try weights.renamingHuggingFaceViT() }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("hf.safetensors") && message.contains("encoder.layer.0.attention.attention.value.weight"), "\(message)")
    }
}
