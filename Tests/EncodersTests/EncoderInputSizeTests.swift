@testable import Encoders
import Foundation
import Testing
import TensorKit

/// Words too small for an encoder are refused by its `checkInput` with a sentence, before any layer
/// can trap; sizes it accepts run.
@Suite struct EncoderInputSizeTests {
    /// EfficientNet-Lite0's padding stays the one computed for 224 px: by hand, 32 px runs the stem
    /// to 16, the stride-2 stages to 8, 4 and 2, and the last stride-2 stage (5 × 5, padding 1 + 2)
    /// to 1; 31 px reaches that stage with 1 px, padded to 4 < 5.
    @Test func efficientNetLiteTakesWordsOfAtLeast32Pixels() throws {
        #expect(EfficientNetLite.minimumInputSide == 32)
        #expect(EfficientNetLite.featureMapSide(forInputSide: 31) == nil)
        #expect(EfficientNetLite.featureMapSide(forInputSide: 16) == nil)
        let encoder = try EncoderArchitecture.efficientNetLite0.makeEncoder(weights: .synthetic(seed: 1))
        for (height, width) in [(16, 16), (31, 31), (32, 31), (8, 224)] {
            do {
                try encoder.checkInput(height: height, width: width)
                Issue.record("\(height)×\(width) words were accepted")
            } catch let error as EncoderInputError {
                #expect(error.description.contains("efficientnet-lite0") && error.description.contains("at least 32×32")
                        && error.description.contains("\(height)×\(width)"), "\(error)")
            }
        }
        // What the check predicts is what the network computes, for the sizes it accepts.
        for side in [32, 33, 47, 64, 100] {
            try encoder.checkInput(height: side, width: side)
            var generator = SeededGenerator(seed: UInt64(side))
            let images = FeatureMap(nchw: Tensor.normal([1, 3, side, side], generator: &generator))
            let map = encoder.featureMap(images)
            #expect(map.height == EfficientNetLite.featureMapSide(forInputSide: side) && map.width == map.height, "\(side) px")
            let features = encoder.features(channelsLast: Tensor(shape: [1, side, side, 3], scalars: images.values.array))
            #expect(features.scalars.allSatisfy { $0.isFinite }, "\(side) px")
        }
    }

    /// The symmetric-padding CNNs shrink small words to 1 px and take them.
    @Test func symmetricPaddingEncodersTakeSmallWords() throws {
        for architecture in [EncoderArchitecture.mobilenetv2, .mnasnet, .espnetv2] {
            let encoder = try architecture.makeEncoder(weights: .synthetic(seed: 2))
            try encoder.checkInput(height: 16, width: 16)
            let features = encoder.features(channelsLast: Tensor(shape: [2, 16, 16, 3], scalars: [Float](repeating: 0.5, count: 2 * 16 * 16 * 3)))
            #expect(features.shape == [2, encoder.featureCount] && features.scalars.allSatisfy { $0.isFinite }, "\(architecture)")
        }
    }
}
