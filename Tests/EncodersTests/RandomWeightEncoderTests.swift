import Encoders
import Foundation
import Testing
import TensorKit

/// Backbones with random weights and BatchNorm statistics (every tensor exercised) against the
/// PyTorch reference features, loading the same state dict from `.safetensors` and from `.pth`.
@Suite struct RandomWeightEncoderTests {
    @Test func mobileNetV2WidthHalfMatchesReference() throws {
        let io = try EncoderFixtures.io("mobilenetv2_w0.5")
        let weights = try StateDict(contentsOf: EncoderFixtures.url("encoder_mobilenetv2_w0.5.safetensors"))
        let encoder = try MobileNetV2(widthMultiplier: 0.5, weights: weights)
        #expect(encoder.featureCount == 1280)
        expectMatchesReference(encoder.features(io.input), io.features, "mobilenetv2_w0.5 (safetensors)")
    }
}
