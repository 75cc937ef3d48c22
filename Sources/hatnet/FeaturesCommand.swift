import ArgumentParser
import Encoders
import Foundation
import Pipeline
import Slides

/// `hatnet features`: encode every slide of the split files once into the feature cache.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Encode the slides of split files once per scale and view into a feature cache.",
        discussion: """
        For every slide listed in the split files (image_id,label lines; the slide is \
        <img-dir>/<image_id>.<img-extn>) and every scale of multi-scale training \
        (word-size + scale-factor·m, same bags a side) and view (0: the slide itself, 1…: seeded \
        flips, rotations and crops), writes one safetensors file with the word features, each word's \
        rectangle in slide pixels and its tissue fraction, under \
        <features-dir>/<encoder>-<weights hash>/ — the directory to pass to `hatnet train --features`. \
        Finished files are skipped, so an interrupted run continues where it stopped; files are \
        written atomically and a partial file never counts.
        """)

    @Argument(help: ArgumentHelp("Split files whose slides to encode (e.g. train.txt val.txt test.txt).", valueName: "SPLIT"))
    var splits: [String]

    @Option(help: "Directory of the slides.") var imgDir: String
    @Option(help: "Slide file extension, without the dot.") var imgExtn = "tiff"
    @Option(help: ArgumentHelp("Comma-separated class names, one per label index.", valueName: "a,b,…"))
    var classNames = SlideClasses.defaultNames.joined(separator: ",")
    @Option(help: ArgumentHelp("Root of the feature cache.", valueName: "DIR")) var featuresDir = "features"

    @OptionGroup var encoderOptions: EncoderOptions

    @Option(help: "Bag size in pixels.") var bagSize = 1024
    @Option(help: "Word size in pixels.") var wordSize = 256
    @Option(help: "Word-size step of multi-scale training.") var scaleFactor = 32
    @Option(parsing: .unconditional, help: ArgumentHelp("Comma-separated multipliers m of the cached scales (0 alone: only the base scale).",
                                                        valueName: "m,m,…"))
    var scaleMultipliers = "-2,-1,0,1,2"
    @Option(help: "Views per slide and scale (view 0 untransformed, the others augmented).") var views = 1
    @Option(help: "Seed of the augmentations.") var seed: UInt64 = 1882
    @Flag(inversion: .prefixedNo, help: "Detect tissue and store each word's tissue fraction.") var tissue = true
    @Option(help: "Word images per encoder call (1 is fastest on CPUs).") var batch = 1

    func validate() throws {
        guard wordSize > 0, bagSize > 0, bagSize % wordSize == 0 else { throw ValidationError("--bag-size must be a positive multiple of --word-size") }
        guard views >= 1 else { throw ValidationError("--views must be at least 1") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard scaleMultipliers.split(separator: ",").allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)) != nil }) else {
            throw ValidationError("--scale-multipliers must be comma-separated integers, got \"\(scaleMultipliers)\"")
        }
    }

    func run() throws {
        let names = classNames.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let imageDirectory = URL(fileURLWithPath: imgDir, isDirectory: true)
        var slides: [(imageID: String, file: URL)] = [], seen = Set<String>()
        for split in splits {
            let file = try SplitFile(contentsOf: URL(fileURLWithPath: split), classNames: names,
                                     imageDirectory: imageDirectory, imageExtension: imgExtn)
            for entry in file.entries where seen.insert(entry.imageID).inserted {
                slides.append((entry.imageID, imageDirectory.appendingPathComponent("\(entry.imageID).\(imgExtn)")))
            }
        }
        let weights = try encoderOptions.weightsURL()
        let encoder = try encoderOptions.makeEncoder()
        let key = FeatureCacheKey(encoderName: encoder.name, weightsSHA256: try WeightCache.sha256(ofFile: weights))
        let cache = try FeatureCache(root: URL(fileURLWithPath: featuresDir, isDirectory: true), key: key)
        let multipliers = scaleMultipliers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let scales = WordGridLayout(bagSize: bagSize, wordSize: wordSize).multiScalePairs(scaleFactor: scaleFactor, multipliers: multipliers)
        print("\(slides.count) slides × \(scales.count) scales (\(scales.map(\.description).joined(separator: ", "))) × \(views) view(s) "
              + "with \(encoder.name), F \(encoder.featureCount)")
        print("cache \(cache.directory.path)")
        var gridOptions = WordGridOptions(detectTissue: tissue)
        gridOptions.keepAspect = false
        let wordEncoder = WordFeatureEncoder(encoder: encoder, gridOptions: gridOptions, seed: seed, batchSize: batch)
        let extraction = FeatureExtraction(wordEncoder: wordEncoder, cache: cache, scales: scales, views: views)
        let line = ProgressLine()
        let (computed, skipped) = try extraction.run(slides: slides) { progress in
            let eta = progress.remainingSeconds.map { String(format: "ETA %.0f s", $0) } ?? "ETA –"
            line.update("[\(progress.done)/\(progress.total)] \(progress.item)  \(String(format: "%.0f", progress.elapsedSeconds)) s, \(eta)",
                        force: progress.done == progress.total)
        }
        line.finish()
        print("computed \(computed) file(s), \(skipped) already cached; pass --features \(cache.directory.path) to `hatnet train`")
    }
}
