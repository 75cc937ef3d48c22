import Encoders
import Foundation
import Slides
import TestSupport
import Testing
@testable import Pipeline
import TensorKit

/// `hatnet features` on real image files: layout, geometry, resumption and reproducible views.
@Suite struct FeatureExtractionTests {
    /// A 300×200 PNG of seeded noise.
    func writeNoiseImage(to url: URL, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let pixels = (0..<(300 * 200 * 3)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try PNGImage.write(RGBImage(width: 300, height: 200, pixels: pixels), to: url)
    }

    @Test func encodesEverySlideScaleAndViewOnceAndResumes() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        for (index, name) in ["a", "b"].enumerated() { try writeNoiseImage(to: directory.file("\(name).png"), seed: UInt64(index)) }
        let encoder = try EncoderArchitecture.mobilenetv2.makeEncoder(scale: 0.5, weights: .synthetic(seed: 1))
        let key = FeatureCacheKey(encoderName: encoder.name, weightsSHA256: "feed")
        let cache = try FeatureCache(root: directory.file("cache"), key: key)
        let scale = WordGridLayout(bagSize: 96, wordSize: 32)
        let extraction = FeatureExtraction(wordEncoder: WordFeatureEncoder(encoder: encoder, seed: 5), cache: cache,
                                           scales: [scale], views: 2)
        let slides = ["a", "b"].map { (imageID: $0, file: directory.file("\($0).png")) }
        var reports: [FeatureExtraction.Progress] = []
        let first = try extraction.run(slides: slides) { reports.append($0) }
        #expect(first.computed == 4 && first.skipped == 0)
        #expect(reports.map(\.done) == [1, 2, 3, 4] && reports.allSatisfy { $0.total == 4 })
        #expect(reports.last?.remainingSeconds == 0)

        let features = try cache.read(imageID: "a", scale: scale, view: 0)
        #expect(features.words.shape == [9, 9, encoder.featureCount])
        #expect(features.tissueFractions?.shape == [9, 9])
        // The words tile the whole 300×200 image (the grid is stretched to the slide).
        let boxes = (0..<9).flatMap { bag in (0..<9).map { features.geometry.wordRegion(bag: bag, word: $0) } }
        #expect(boxes.map(\.x).min() == 0 && boxes.map(\.y).min() == 0)
        #expect(boxes.map { ($0.x + $0.width).rounded() }.max() == 300 && boxes.map { ($0.y + $0.height).rounded() }.max() == 200)

        // A second run skips everything; a deleted augmented view comes back identical.
        let augmented = try cache.read(imageID: "b", scale: scale, view: 1)
        #expect(augmented.words.scalars != (try cache.read(imageID: "b", scale: scale, view: 0)).words.scalars)
        #expect(try extraction.run(slides: slides) == (computed: 0, skipped: 4))
        try FileManager.default.removeItem(at: cache.url(imageID: "b", scale: scale, view: 1))
        #expect(try extraction.run(slides: slides) == (computed: 1, skipped: 3))
        #expect(try cache.read(imageID: "b", scale: scale, view: 1).words.scalars == augmented.words.scalars)
    }
}
