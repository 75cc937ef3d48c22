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
}
