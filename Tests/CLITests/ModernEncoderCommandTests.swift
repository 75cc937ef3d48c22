import Checkpoints
import Foundation
import Testing
import TestSupport
import TensorKit

/// `--encoder resnet50-trunc` and `--encoder vit` through the real binary: `hatnet encode` on the
/// fixtures' inputs gives the reference features; missing or hostile weights and configurations
/// are refused with a sentence naming what to do.
@Suite struct ModernEncoderCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    @Test(arguments: [("resnet50_trunc", ["--encoder", "resnet50-trunc"]),
                      ("vit_s14_reg4_swiglu", ["--encoder", "vit", "--vit-config", ModernEncoderCommandTests.fixture("encoder_vit_s14_reg4_swiglu.json")])])
    func encodeGivesTheReferenceFeatures(name: String, options: [String]) throws {
        let scratch = try TemporaryDirectory()
        let outcome = try CommandLineHarness.run(["encode"] + options + [
            "--weights", Self.fixture("encoder_\(name).safetensors"), "--input", Self.fixture("encoder_\(name)_io.safetensors"),
            "--output", "features.safetensors"], in: scratch.url)
        #expect(outcome.status == 0, "hatnet encode failed: \(outcome.stderr)")
        let ours = try SafeTensorsFile(url: scratch.file("features.safetensors")).tensor(named: "features")
        let reference = try SafeTensorsFile(url: Self.fixtures.appendingPathComponent("encoder_\(name)_io.safetensors")).tensor(named: "features")
        expectClose(ours, reference, tolerance: Tolerance(absolute: 1e-4, relative: 1e-3, relativeTo: .largestExpected), "hatnet encode \(name)")
    }

    @Test func missingWeightsSayWhereToPutThemAndDownloadNothing() throws {
        let scratch = try TemporaryDirectory()
        let input = Self.fixture("encoder_vit_s16_io.safetensors")
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-preset", "uni2-h", "--input", input, "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["https://huggingface.co/MahmoodLab/UNI2-h", "Nothing is downloaded"])
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-preset", "virchow2", "--weights", "absent.bin",
                                              "--input", input, "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["absent.bin", "paige-ai/Virchow2", "Nothing is downloaded"])
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "resnet50-trunc", "--input", input, "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["--weights", "torchvision", "Nothing is downloaded"])
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--weights", Self.fixture("encoder_vit_s16.safetensors"),
                                              "--input", input, "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["--vit-config", "--vit-preset"])
    }

    @Test func hostileConfigurationsAndSizesAreRefused() throws {
        let scratch = try TemporaryDirectory()
        let weights = Self.fixture("encoder_vit_s16.safetensors")
        let config = try scratch.write(#"{"embed_dim": 384, "num_heads": 7, "depth": 2}"#, to: "bad.json")
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-config", config.path, "--weights", weights,
                                              "--input", Self.fixture("encoder_vit_s16_io.safetensors"), "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["bad.json", "num_heads"])
        // The s16 fixture has no dynamic_img_size: 112² inputs are refused, not silently resampled.
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-config", Self.fixture("encoder_vit_s16.json"),
                                              "--weights", weights, "--input", Self.fixture("encoder_vit_s14_reg4_swiglu_io.safetensors"),
                                              "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["224×224", "112×112"])
        // Weights of another architecture: the missing timm tensors are listed.
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-config", Self.fixture("encoder_vit_s16.json"),
                                              "--weights", Self.fixture("encoder_resnet50_trunc.safetensors"),
                                              "--input", Self.fixture("encoder_vit_s16_io.safetensors"), "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["encoder_resnet50_trunc.safetensors", "patch_embed.proj.weight"])
    }

    /// Crafted `--vit-config` files: each is refused with a sentence naming the file and the field,
    /// before any weight is read or anything allocated from it (the fuzz target `vit-config`
    /// runs the same reader, RELIABILITY.md).
    @Test(arguments: [
        (#"{"embed_dim": 100000}"#, ["embed_dim"]),
        (#"{"depth": -3}"#, ["depth"]),
        (#"{"num_heads": 0}"#, ["num_heads"]),
        (#"{"embed_dim": 384, "num_heads": 5}"#, ["num_heads", "divisible"]),
        (#"{"img_size": 225}"#, ["img_size", "multiple"]),
        (#"{"img_size": 4096, "patch_size": 1, "embed_dim": 1, "num_heads": 1}"#, ["img_size", "patches"]),
        (#"{"embed_dim": 8192, "depth": 256, "num_heads": 64}"#, ["parameters"]),
        (#"{"mlp_ratio": 1e308}"#, ["mlp_ratio"]),
        (#"{"mlp_ratio": -4}"#, ["mlp_ratio"]),
        (#"{"embed_dim": 384, "num_heads": 6, "mlp_layer": "SwiGLUPacked", "mlp_ratio": 2.6015625}"#, ["mlp_ratio", "SwiGLUPacked"]),
        (#"{"reg_tokens": 1000000}"#, ["reg_tokens"]),
        (#"{"depth": 12.5}"#, ["depth", "integer"]),
        (#"{"embed_dim": 2511210127906093120981256987215121986512398657129836591283659812365981273659812736598127365981}"#, ["embed_dim"]),
        (#"{"layer_norm_eps": 0}"#, ["layer_norm_eps"]),
        (#"{"init_values": "nan"}"#, ["init_values"]),
        (#"{"init_values": NaN}"#, ["not valid JSON"]),
        (#"{"input_mean": [0.5, 0.5], "input_std": [1, 1, 1]}"#, ["input_mean"]),
        (#"{"input_mean": [0.5, 0.5, 0.5], "input_std": [1, 0, 1]}"#, ["input_mean"]),
        (#"{"qk_norm": true}"#, ["qk_norm", "not supported"]),
        (#"{"global_pool": "map"}"#, ["global_pool"]),
        (#"{"class_token": false}"#, ["global_pool", "class token"]),
        (#"{"embed_dim": 38"#, ["(document)"]),
        (#"[1, 2, 3]"#, ["(document)"]),
        ("", ["(document)"]),
        (#"{"weird_option": 1}"#, ["weird_option"]),
        ("{\"nested\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}", ["hostile.json"]),
    ])
    func hostileViTConfigurationFilesAreRefused(json: String, fragments: [String]) throws {
        let scratch = try TemporaryDirectory()
        let config = try scratch.write(json, to: "hostile.json")
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-config", config.path,
                                              "--weights", Self.fixture("encoder_vit_s16.safetensors"),
                                              "--input", Self.fixture("encoder_vit_s16_io.safetensors"), "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["hostile.json"] + fragments)
    }

    @Test func oversizedViTConfigurationIsRefusedUnread() throws {
        let scratch = try TemporaryDirectory()
        let config = try scratch.write("{\"depth\": 2" + String(repeating: " ", count: 2 << 20) + "}", to: "huge.json")
        try CommandLineHarness.expectRefusal(["encode", "--encoder", "vit", "--vit-config", config.path,
                                              "--weights", Self.fixture("encoder_vit_s16.safetensors"),
                                              "--input", Self.fixture("encoder_vit_s16_io.safetensors"), "--output", "f.safetensors"],
                                             in: scratch.url, mentioning: ["huge.json"])
    }
}
