import Encoders
import Foundation
import Testing
import TensorKit

/// Backbones with random weights and BatchNorm statistics (every tensor exercised) against the
/// PyTorch reference features, loading the same state dict from `.safetensors` and from `.pth`.
@Suite struct RandomWeightEncoderTests {
    @Test func mobileNetV2WidthHalfMatchesReference() throws {
        let io = try EncoderFixtures.io("mobilenetv2_w0.5")
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_mobilenetv2_w0.5.safetensors"))
        let encoder = try MobileNetV2(widthMultiplier: 0.5, weights: weights)
        #expect(encoder.featureCount == 1280)
        expectMatchesReference(encoder.features(io.input), io.features, "mobilenetv2_w0.5 (safetensors)")
    }

    @Test func mnasNetAlphaHalfMatchesReference() throws {
        let io = try EncoderFixtures.io("mnasnet_a0.5")
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_mnasnet_a0.5.safetensors"))
        let encoder = try MNASNet(alpha: 0.5, weights: weights)
        expectMatchesReference(encoder.features(io.input), io.features, "mnasnet_a0.5 (safetensors)")
    }

    @Test func espNetV2ScaleHalfMatchesReference() throws {
        let io = try EncoderFixtures.io("espnetv2_s0.5")
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_espnetv2_s0.5.safetensors"))
        let encoder = try ESPNetv2(scale: 0.5, weights: weights)
        #expect(encoder.featureCount == 1024)
        expectMatchesReference(encoder.features(io.input), io.features, "espnetv2_s0.5 (safetensors)")
    }
}
