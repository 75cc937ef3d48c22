import Foundation
import TestSupport
import Testing
@testable import Pipeline
import TensorKit
import Slides
import Synthesis

/// The feature cache: layout, round trip, keys that keep encoders apart.
@Suite struct FeatureCacheTests {
    static let settings = FeatureExtractionSettings(grid: WordGridOptions(detectTissue: true), seed: 1882)

    @Test func roundTripsFeaturesGeometryAndTissue() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let key = FeatureCacheKey(encoderName: "efficientnet-lite0", weightsSHA256: String(repeating: "ab", count: 32))
        let cache = try FeatureCache(root: directory.url, key: key)
        #expect(cache.directory.lastPathComponent == "efficientnet-lite0-abababababababab")
        let scale = WordGridLayout(bagSize: 512, wordSize: 256)
        var generator = SeededGenerator(seed: 3)
        let features = WordFeatures(words: .normal([4, 4, 8], generator: &generator),
                                    geometry: SyntheticFeatureCohort.gridGeometry(scale: scale),
                                    tissueFractions: .uniform([4, 4], generator: &generator), scale: scale, view: 2)
        #expect(!cache.contains(imageID: "s1", scale: scale, view: 2))
        try cache.write(features, imageID: "s1", settings: Self.settings)
        #expect(cache.url(imageID: "s1", scale: scale, view: 2).lastPathComponent == "bag_512_word_256_view_2.safetensors")
        let reopened = try FeatureCache(directory: cache.directory)
        #expect(reopened.key == key)
        let read = try reopened.read(imageID: "s1", scale: scale, view: 2)
        #expect(read.words.scalars == features.words.scalars)
        #expect(read.tissueFractions?.scalars == features.tissueFractions?.scalars)
        // Bag 1 is the second bag of the first column (column-major), word 2 the first word of its second column.
        #expect(read.geometry.wordRegion(bag: 1, word: 2) == SlideRectangle(x: 256, y: 512, width: 256, height: 256))
        #expect(reopened.imagesMissingFeatures(["s1", "s2"], scales: [scale], views: 3) == ["s1", "s2"])
        #expect(reopened.imagesMissingFeatures(["s1"], scales: [scale], views: 1).count == 1)
    }

    @Test func refusesFeaturesOfAnotherEncoder() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let key = FeatureCacheKey(encoderName: "mobilenetv2", weightsSHA256: "00112233445566778899")
        let cache = try FeatureCache(root: directory.url, key: key)
        let scale = WordGridLayout(bagSize: 256, wordSize: 128)
        try cache.write(WordFeatures(words: .zeros([4, 4, 2]), geometry: SyntheticFeatureCohort.gridGeometry(scale: scale),
                                     tissueFractions: nil, scale: scale, view: 0), imageID: "x", settings: Self.settings)
        // Same directory, other weights: the manifest refuses.
        #expect(throws: PipelineError.self) {
            try FeatureCache(root: directory.url, key: FeatureCacheKey(encoderName: "mobilenetv2", weightsSHA256: "0011223344556677ff"))
        }
        // A file copied from another cache is refused by its metadata.
        let other = try FeatureCache(root: directory.url, key: FeatureCacheKey(encoderName: "mnasnet", weightsSHA256: "ffee"))
        let copy = other.url(imageID: "x", scale: scale, view: 0)
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: cache.url(imageID: "x", scale: scale, view: 0), to: copy)
        do {
            _ = try other.read(imageID: "x", scale: scale, view: 0)
            Issue.record("features of another encoder were accepted")
        } catch {
            #expect("\(error)".contains("was computed by mobilenetv2"))
        }
    }
}
