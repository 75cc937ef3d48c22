import Foundation
import Pipeline
import Slides
import Synthesis

/// Times `hatnet train` epochs on cached features in the authors' setting: 49 bags × 49 words of
/// F = 1280 features per slide, d = 256, 4 heads, Adam, batch 1 with 8-step accumulation, class
/// weights. The cohort is ``SyntheticFeatureCohort`` data written into a real feature cache, so an
/// epoch includes reading every slide's file, forward, backward and Adam, like a real run.
public enum TrainingBenchmark {
    public struct Result: Sendable {
        public let slides: Int
        public let epochs: Int
        /// Training seconds of each epoch (reading features, forward, backward, optimizer).
        public let epochSeconds: [Double]
        /// Bytes of one slide's cache file.
        public let cacheBytesPerSlide: Int
        public let peakResidentBytes: Int?

        public var lines: [String] {
            let best = epochSeconds.min() ?? 0
            return [String(format: "training epoch (%d slides, 49×49 words, F 1280): %.2f s best of %d, %.3f s a slide",
                           slides, best, epochs, best / Double(slides)),
                    "epoch times: " + epochSeconds.map { String(format: "%.2f s", $0) }.joined(separator: ", "),
                    String(format: "feature cache: %.1f MB a slide (one scale, one view)", Double(cacheBytesPerSlide) / 1_048_576),
                    "peak memory: " + (peakResidentBytes.map { String(format: "%.0f MB", Double($0) / 1_048_576) } ?? "unknown")]
        }
    }

    /// Writes the cohort under `directory` (removed afterwards) and trains `epochs` epochs.
    public static func run(slides: Int = 100, epochs: Int = 2, directory: URL,
                           progress: (String) -> Void = { _ in }) throws -> Result {
        try requireFreeSpace(slides: slides + validationSlides, in: directory)
        let root = directory.appendingPathComponent("hatnet-bench-train-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let scale = WordGridLayout(bagSize: 1792, wordSize: 256)
        progress("writing \(slides) + \(validationSlides) slides of cached features to \(root.path)")
        let splits = try SyntheticFeatureCohort.writeCachedSplits(root: root, splitSizes: [("train", slides), ("val", validationSlides)],
                                                                  scales: [scale], features: 1280, seed: 1)
        let cacheFile = splits.cache.url(imageID: "train_0", scale: scale, view: 0)
        let cacheBytes = (try FileManager.default.attributesOfItem(atPath: cacheFile.path)[.size] as? Int) ?? 0

        var options = TrainingOptions()
        options.featureDirectory = splits.cache.directory.path
        options.trainFile = splits.splitFiles["train"]!.path
        options.valFile = splits.splitFiles["val"]!.path
        options.bagSize = scale.bagSize
        options.wordSize = scale.wordSize
        options.scaleMultipliers = [0]
        options.optim = .adam
        options.lr = 1e-4
        options.accumCount = 8
        options.attnHeads = 4
        options.outFeatures = 256
        options.classWeights = true
        options.scheduler = .fixed  // the rate does not change the cost; multistep needs more epochs than a benchmark runs
        options.epochs = epochs
        options.logInterval = 10
        options.savedir = root.appendingPathComponent("run").path
        let trainer = try Trainer.start(options: options)
        var epochSeconds: [Double] = []
        try trainer.train { event in
            switch event {
            case let .batch(epoch, batch, batches, _, _, _, elapsed):
                progress(String(format: "epoch %d: %d/%d slides, %.1f s", epoch, batch, batches, elapsed))
            case let .epochFinished(record, _):
                epochSeconds.append(record.trainingSeconds)
            default: break
            }
        }
        return Result(slides: slides, epochs: epochs, epochSeconds: epochSeconds, cacheBytesPerSlide: cacheBytes,
                      peakResidentBytes: peakResidentBytes())
    }

    /// Slides of the validation split written beside the training slides.
    static let validationSlides = 4

    /// Bytes one slide's cached features take (2401 words × 1280 float32 features plus the
    /// geometry and the file's header), rounded up.
    static let cacheBytesPerSlide = 12_800_000

    /// Refuses a cohort that would not fit on `directory`'s filesystem, before writing any of it.
    static func requireFreeSpace(slides: Int, in directory: URL) throws {
        var status = statvfs()
        guard statvfs(directory.path, &status) == 0 else {
            throw TrainingBenchmarkError.unusableDirectory(directory.path, String(cString: strerror(errno)))
        }
        let (available, overflow) = Int(clamping: status.f_bavail).multipliedReportingOverflow(by: Int(clamping: status.f_frsize))
        let (needed, tooMany) = slides.multipliedReportingOverflow(by: cacheBytesPerSlide)
        if tooMany || (!overflow && needed > available) {
            throw TrainingBenchmarkError.notEnoughSpace(directory: directory.path, slides: slides,
                                                        neededBytes: tooMany ? nil : needed, availableBytes: available)
        }
    }
}

/// Why `hatnet bench train` cannot write its temporary feature cache.
public enum TrainingBenchmarkError: Error, CustomStringConvertible, LocalizedError {
    case unusableDirectory(String, String)
    case notEnoughSpace(directory: String, slides: Int, neededBytes: Int?, availableBytes: Int)

    public var description: String {
        switch self {
        case let .unusableDirectory(path, reason):
            return "--directory \(path): \(reason)"
        case let .notEnoughSpace(directory, slides, needed, available):
            let neededText = needed.map { String(format: "%.1f GB", Double($0) / 1e9) } ?? "more than 2^63 bytes"
            return "--directory \(directory): \(slides) slides of cached features need \(neededText), "
                + String(format: "only %.1f GB are free; lower --slides or choose another --directory", Double(available) / 1e9)
        }
    }
    public var errorDescription: String? { description }
}
