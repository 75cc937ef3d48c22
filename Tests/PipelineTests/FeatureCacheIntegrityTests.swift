import Checkpoints
import Encoders
import FileOutput
import Foundation
import Slides
import TestSupport
import Testing
@testable import Pipeline
import Synthesis
import TensorKit

/// The feature cache cannot lie: damaged files and files made with other settings are recomputed
/// (and reported), ids stay inside the cache, slides are locked while computed, and training
/// refuses a cache whose files disagree.
@Suite struct FeatureCacheIntegrityTests {
    let scale = WordGridLayout(bagSize: 96, wordSize: 32)

    /// Two 300×200 noise PNGs, `a` and `b`, and an encoder.
    func slides(_ directory: TemporaryDirectory) throws -> [(imageID: String, file: URL)] {
        for (index, name) in ["a", "b"].enumerated() {
            try FeatureExtractionTests().writeNoiseImage(to: directory.file("\(name).png"), seed: UInt64(index))
        }
        return ["a", "b"].map { (imageID: $0, file: directory.file("\($0).png")) }
    }

    func extraction(cache: FeatureCache, tissue: Bool = true, seed: UInt64 = 5) throws -> FeatureExtraction {
        let encoder = try EncoderArchitecture.mobilenetv2.makeEncoder(scale: 0.5, weights: .synthetic(seed: 1))
        return FeatureExtraction(wordEncoder: WordFeatureEncoder(encoder: encoder, gridOptions: WordGridOptions(detectTissue: tissue),
                                                                 seed: seed),
                                 cache: cache, scales: [scale], views: 2)
    }

    func cache(_ directory: TemporaryDirectory, _ name: String) throws -> FeatureCache {
        try FeatureCache(root: directory.file(name), key: FeatureCacheKey(encoderName: "mobilenetv2 (width 0.5)", weightsSHA256: "feed"))
    }

    /// Every file of a cache (relative path → bytes), lock files left out.
    func snapshot(_ cache: FeatureCache) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: cache.directory.path)
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".safetensors") || path.hasSuffix(".json") else { continue }
            result[path] = try Data(contentsOf: cache.directory.appendingPathComponent(path))
        }
        return result
    }

    @Test func damagedAndOtherSettingsFilesAreRecomputedAndReported() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let slides = try slides(directory)
        let cache = try cache(directory, "cache")
        #expect(try extraction(cache: cache).run(slides: slides) == (computed: 4, skipped: 0))
        let complete = try snapshot(cache)

        // A 0-byte file and a truncated one are not "already cached".
        let empty = cache.url(imageID: "a", scale: scale, view: 0), truncated = cache.url(imageID: "b", scale: scale, view: 1)
        try Data().write(to: empty)
        try complete["b/\(truncated.lastPathComponent)"]!.prefix(1000).write(to: truncated)
        for url in [empty, truncated] {
            do {
                _ = try cache.read(imageID: url.deletingLastPathComponent().lastPathComponent, scale: scale,
                                   view: url.lastPathComponent.contains("view_0") ? 0 : 1)
                Issue.record("a damaged file was read")
            } catch let PipelineError.badInput(file, reason) {
                #expect(file == url.path && reason.contains("damaged"), "\(reason)")
            }
        }
        var notices: [FeatureExtraction.Notice] = []
        #expect(try extraction(cache: cache).run(slides: slides, notice: { notices.append($0) }) == (computed: 2, skipped: 2))
        #expect(notices.count == 2)
        #expect(notices.allSatisfy { "\($0)".contains("damaged") })
        #expect(Set(notices.compactMap { if case let .recomputing(file, _) = $0 { file } else { nil } }) == [empty, truncated])
        #expect(try snapshot(cache) == complete)

        // --no-tissue after --tissue recomputes all four files; --seed 2 after --seed 5 only the
        // augmented views (view 0 does not depend on the seed).
        notices = []
        #expect(try extraction(cache: cache, tissue: false).run(slides: slides, notice: { notices.append($0) })
                == (computed: 4, skipped: 0))
        #expect(notices.count == 4 && notices.allSatisfy { "\($0)".contains("tissue detection (--tissue/--no-tissue) on in the file, off now") })
        #expect(try cache.read(imageID: "a", scale: scale, view: 0).tissueFractions == nil)
        notices = []
        #expect(try extraction(cache: cache, tissue: false, seed: 2).run(slides: slides, notice: { notices.append($0) })
                == (computed: 2, skipped: 2))
        #expect(notices.allSatisfy { "\($0)".contains("augmentation seed (--seed) 5 in the file, 2 now") }, "\(notices)")
        #expect(try SafeTensorsFile(url: cache.url(imageID: "b", scale: scale, view: 1)).metadata["augmentation_seed"] == "2")
    }

    @Test func aSlideAnotherProcessComputesIsSkippedAndTheCacheEndsAsAfterOneRun() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let slides = try slides(directory)
        let single = try cache(directory, "single"), shared = try cache(directory, "shared")
        try extraction(cache: single).run(slides: slides)

        // Another process holds slide a (a second lock object: flock locks conflict between open files).
        try FileManager.default.createDirectory(at: shared.slideDirectory(imageID: "a"), withIntermediateDirectories: true)
        let lockFile = shared.slideDirectory(imageID: "a").appendingPathComponent(DirectoryLock.fileName)
        let other = try #require(try DirectoryLock.tryAcquire(file: lockFile, purpose: "hatnet features a (the other process)"))
        var notices: [FeatureExtraction.Notice] = []
        #expect(try extraction(cache: shared).run(slides: slides, notice: { notices.append($0) }) == (computed: 2, skipped: 0))
        #expect(notices.count == 1 && "\(notices[0])".contains("a: skipped") && "\(notices[0])".contains("the other process"))
        #expect(!shared.contains(imageID: "a", scale: scale, view: 0))
        // The other process is killed: its lock goes with it, a temporary file of it stays behind.
        other.release()
        let stale = shared.slideDirectory(imageID: "a").appendingPathComponent(AtomicFile.temporaryFileName(for: "bag_96_word_32_view_0.safetensors", pid: Int32.max - 1, nonce: 7))
        try Data("partial".utf8).write(to: stale)
        #expect(try extraction(cache: shared).run(slides: slides) == (computed: 2, skipped: 2))
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(try snapshot(shared) == snapshot(single))
    }

    @Test func imageIDsCannotLeaveTheCache() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let cache = try FeatureCache(root: directory.file("root"), key: FeatureCacheKey(encoderName: "synthetic", weightsSHA256: "00"))
        let features = WordFeatures(words: .zeros([9, 9, 2]), geometry: SyntheticFeatureCohort.gridGeometry(scale: scale),
                                    tissueFractions: nil, scale: scale, view: 0)
        let settings = FeatureExtractionSettings(grid: WordGridOptions(), seed: 1)
        for id in ["../../x", "..", "a/../../x", "/tmp/x", "a\u{0}b", "a\nb", "a\\b", "a//b", ".hidden", "cache.json", ""] {
            #expect(throws: PipelineError.self, "\(id.debugDescription)") { try cache.write(features, imageID: id, settings: settings) }
            #expect(throws: PipelineError.self, "\(id.debugDescription)") { try cache.read(imageID: id, scale: scale, view: 0) }
            #expect(!cache.contains(imageID: id, scale: scale, view: 0))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["root"])
        try cache.write(features, imageID: "site1/slide 7", settings: settings)
        #expect(try cache.read(imageID: "site1/slide 7", scale: scale, view: 0).words.shape == [9, 9, 2])
    }

    @Test func nonFiniteCachedFeaturesNameFileTensorAndIndex() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let cache = try FeatureCache(root: directory.file("root"), key: FeatureCacheKey(encoderName: "synthetic", weightsSHA256: "00"))
        let settings = FeatureExtractionSettings(grid: WordGridOptions(), seed: 1)
        var scalars = [Float](repeating: 0, count: 9 * 9 * 2)
        scalars[(1 * 9 + 2) * 2 + 1] = .infinity
        let poisoned = WordFeatures(words: Tensor(shape: [9, 9, 2], scalars: scalars),
                                    geometry: SyntheticFeatureCohort.gridGeometry(scale: scale), tissueFractions: nil, scale: scale, view: 0)
        // The cache refuses to write it …
        #expect(throws: NonFiniteValueError.self) { try cache.write(poisoned, imageID: "s", settings: settings) }
        #expect(!cache.contains(imageID: "s", scale: scale, view: 0))
        // … and a file that holds it anyway (written by something else) is refused on reading.
        var metadata = settings.metadata(view: 0)
        metadata.merge(["format": FeatureCache.formatName, "encoder": "synthetic", "weights_sha256": "00", "image_id": "s",
                        "bag_size": "96", "word_size": "32", "view": "0"]) { $1 }
        var writer = SafeTensorsWriter(metadata: metadata)
        writer.add(poisoned.words, named: "words")
        writer.add(poisoned.geometry.tensor, named: "word_regions")
        let url = cache.url(imageID: "s", scale: scale, view: 0)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try writer.write(to: url)
        do {
            _ = try cache.read(imageID: "s", scale: scale, view: 0)
            Issue.record("non-finite features were read")
        } catch let error as NonFiniteValueError {
            #expect(error.source == "\(url.path): tensor 'words'" && error.index == [1, 2, 1] && error.value == .infinity)
        }
        if case .damaged = cache.status(imageID: "s", scale: scale, view: 0, settings: settings) {} else {
            Issue.record("a non-finite file counted as valid")
        }
    }

    @Test func trainingRefusesACacheWhoseFilesDisagree() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let splits = try SyntheticFeatureCohort.writeCachedSplits(root: directory.url, splitSizes: [("train", 4), ("val", 2)],
                                                                  scales: [scale], features: 8, seed: 1)
        var options = TrainerTests().smallOptions(splits, savedir: directory.file("run"))
        options.epochs = 1
        // train_2 recomputed with tissue detection on.
        let features = try splits.cache.read(imageID: "train_2", scale: scale, view: 0)
        try splits.cache.write(features, imageID: "train_2", settings: FeatureExtractionSettings(grid: WordGridOptions(detectTissue: true), seed: 1))
        do {
            _ = try Trainer.start(options: options)
            Issue.record("a cache mixing settings was accepted")
        } catch let TrainingError.incompatibleFeatures(path, reason) {
            #expect(path == splits.cache.url(imageID: "train_2", scale: scale, view: 0).path)
            #expect(reason.contains("tissue detection (--tissue/--no-tissue) on in"), "\(reason)")
        }
        // A 0-byte file is named by training too.
        try Data().write(to: splits.cache.url(imageID: "train_2", scale: scale, view: 0))
        do {
            _ = try Trainer.start(options: options)
            Issue.record("a 0-byte cache file was accepted")
        } catch let PipelineError.badInput(file, reason) {
            #expect(file == splits.cache.url(imageID: "train_2", scale: scale, view: 0).path && reason.contains("damaged"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run").path))
    }
}
