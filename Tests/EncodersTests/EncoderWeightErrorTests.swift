import Encoders
import Foundation
import Testing
import TensorKit

/// A weight file that does not fit the architecture is refused with an error naming the file and
/// the tensors concerned.
@Suite struct EncoderWeightErrorTests {
    @Test func missingTensorsAreListedByName() throws {
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_mobilenetv2_w0.5.safetensors"))
        #expect {
            _ = try MNASNet(alpha: 0.5, weights: weights)
        } throws: { error in
            guard case EncoderWeightError.missingTensors(let file, let names) = error else { return false }
            let message = String(describing: error)
            return file == "encoder_mobilenetv2_w0.5.safetensors" && names.contains("layers.0.weight")
                && message.hasPrefix(file) && message.contains("layers.0.weight")
        }
    }

    @Test func wrongScaleNamesTheMisshapenTensor() throws {
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_mobilenetv2_w0.5.pth"))
        #expect(throws: EncoderWeightError.misshapenTensor(file: "encoder_mobilenetv2_w0.5.pth", name: "features.0.0.weight",
                                                          expected: [32, 3, 3, 3], actual: [16, 3, 3, 3])) {
            _ = try MobileNetV2(widthMultiplier: 1.0, weights: weights)
        }
    }

    @Test func undefinedEspNetScaleIsRejected() throws {
        #expect(throws: EncoderWeightError.unsupportedScale(architecture: "espnetv2", scale: 0.75,
                                                           supported: ESPNetv2.supportedScales)) {
            _ = try ESPNetv2(scale: 0.75, weights: .synthetic())
        }
    }
}
