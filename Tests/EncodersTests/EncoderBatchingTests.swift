import Encoders
import Foundation
import Testing
import TestSupport
import TensorKit

/// The features of an image must not depend on how images are batched or threaded: one image
/// alone (layer-parallel: OpenBLAS threads, split loops) and several at once (data-parallel
/// workers taking batches from a queue) give the same numbers.
@Suite struct EncoderBatchingTests {
    @Test func batchingAndThreadingDoNotChangeFeatures() throws {
        let io = try EncoderFixtures.io("mobilenetv2_w0.5")
        let weights = try EncoderWeights(contentsOf: EncoderFixtures.url("encoder_mobilenetv2_w0.5.safetensors"))
        let encoder = try MobileNetV2(widthMultiplier: 0.5, weights: weights)
        // five images: the two fixture images, their negatives and their mean, [5, 3, 64, 64]
        let imageSize = 3 * 64 * 64
        let first = Array(io.input.scalars[0 ..< imageSize]), second = Array(io.input.scalars[imageSize...])
        let images = [first, second, first.map { -$0 }, second.map { -$0 }, zip(first, second).map { ($0 + $1) / 2 }]
        let batch = Tensor(shape: [5, 3, 64, 64], scalars: images.flatMap { $0 })
        let oneAtATime = encoder.features(batch, batchSize: 1)
        let inThrees = encoder.features(batch, batchSize: 3)
        let alone = images.flatMap { encoder.features(Tensor(shape: [1, 3, 64, 64], scalars: $0)).scalars }
        // Batches change only the GEMM blocking, so the features agree to float rounding of their size.
        let tolerance = Tolerance(absolute: 1e-5, relative: 1e-5, relativeTo: .largestExpected)
        expectClose(inThrees, oneAtATime, tolerance: tolerance, "batches of 3 vs one at a time")
        expectClose(Tensor(shape: [5, 1280], scalars: alone), oneAtATime, tolerance: tolerance, "each image alone vs one at a time")
        expectClose(Tensor(shape: [2, 1280], scalars: Array(oneAtATime.scalars[0 ..< 2560])), io.features, tolerance: .encoderParity,
                    "mobilenetv2_w0.5 inside a batch of 5")
        // Channels-last words (the layout the pipeline hands over) give exactly the NCHW path's features.
        let channelsLast = FeatureMap(nchw: batch)
        #expect(encoder.features(channelsLast: Tensor(shape: [5, 64, 64, 3], scalars: channelsLast.values.array), batchSize: 1).scalars
                == oneAtATime.scalars)
        #expect(encoder.features(channelsLast: Tensor(shape: [5, 64, 64, 3], scalars: channelsLast.values.array), batchSize: 5).scalars
                == encoder.features(batch, batchSize: 5).scalars)
    }
}
