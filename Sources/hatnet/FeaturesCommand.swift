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
        written atomically and a partial file never counts. Each file records every setting its \
        content depends on (scale, view, seed, tissue, level, aspect, normalisation, encoder and \
        weights) and is read completely before it is reused: a damaged file, or one made with other \
        settings, is recomputed and named on standard error. Several `features` processes may share \
        one cache: each slide is locked while it is computed, and a slide another process holds is \
        skipped and reported.
        """)

    @Argument(help: ArgumentHelp("Split files whose slides to encode (e.g. train.txt val.txt test.txt).", valueName: "SPLIT"))
    var splits: [String]

    @Option(help: "Directory of the slides.") var imgDir: String
    @Option(help: "Slide file extension, without the dot.") var imgExtn = "tiff"
    @Option(help: ArgumentHelp("Root of the feature cache.", valueName: "DIR")) var featuresDir = "features"

    @OptionGroup var encoderOptions: EncoderOptions

    @OptionGroup var featureSet: FeatureSetOptions

    @OptionGroup var grid: GridOptions

    @Option(help: "Seed of the augmentations.") var seed = WordFeatureEncoder.defaultSeed
    @Option(help: "Word images per encoder call (1 is fastest on CPUs).") var batch = 1

    func validate() throws {
        guard (1...1_000_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000000, got \(batch)") }
    }

    func run() throws {
        let names = featureSet.classNames.names
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
        let scales = featureSet.trainingOptions.trainingScales
        for scale in scales { try encoder.checkInput(height: scale.wordSize, width: scale.wordSize) }
        let views = featureSet.views
        print("\(slides.count) slides × \(scales.count) scales (\(scales.map(\.description).joined(separator: ", "))) × \(views) view(s) "
              + "with \(encoder.name), F \(encoder.featureCount)")
        print("cache \(cache.directory.path)")
        let wordEncoder = WordFeatureEncoder(encoder: encoder, gridOptions: grid.options, seed: seed, batchSize: batch)
        let extraction = FeatureExtraction(wordEncoder: wordEncoder, cache: cache, scales: scales, views: views)
        let line = ProgressLine()
        var busy = 0
        let (computed, skipped) = try extraction.run(slides: slides, progress: { progress in
            let eta = progress.remainingSeconds.map { String(format: "ETA %.0f s", $0) } ?? "ETA –"
            line.update("[\(progress.done)/\(progress.total)] \(progress.item)  \(String(format: "%.0f", progress.elapsedSeconds)) s, \(eta)",
                        force: progress.done == progress.total)
        }, notice: { notice in
            line.finish()
            if case .busy = notice { busy += 1 }
            FileHandle.standardError.write(Data("hatnet features: \(notice)\n".utf8))
        })
        line.finish()
        print("computed \(computed) file(s), \(skipped) already cached"
              + (busy > 0 ? ", \(busy) slide(s) left to another process" : "")
              + "; pass --features \(cache.directory.path) to `hatnet train`")
    }
}
