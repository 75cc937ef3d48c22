import Encoders
import Foundation
import Testing
import TestSupport
import TensorKit

/// Backbones with random weights and BatchNorm statistics (every tensor exercised) against the
/// PyTorch reference features, loading the same state dict from `.safetensors` and from `.pth`.
@Suite struct RandomWeightEncoderTests {
    /// Fixture name, architecture, scale and feature count of each random-weight reference.
    static let references: [(fixture: String, architecture: EncoderArchitecture, scale: Double, featureCount: Int)] = [
        ("mobilenetv2_w0.5", .mobilenetv2, 0.5, 1280),
        ("mnasnet_a0.5", .mnasnet, 0.5, 1280),
        ("espnetv2_s0.5", .espnetv2, 0.5, 1024),
    ]

    @Test(arguments: [0, 1, 2], ["safetensors", "pth"])
    func featuresMatchReference(referenceIndex: Int, fileExtension: String) throws {
        let reference = Self.references[referenceIndex]
        let io = try EncoderFixtures.io(reference.fixture)
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_\(reference.fixture).\(fileExtension)"))
        let encoder = try reference.architecture.makeEncoder(scale: reference.scale, weights: weights)
        #expect(encoder.featureCount == reference.featureCount)
        #expect(encoder.classifier?.classCount == 10)
        expectClose(encoder.features(io.input), io.features, tolerance: .encoderParity, "\(reference.fixture) (.\(fileExtension))")
    }
}
