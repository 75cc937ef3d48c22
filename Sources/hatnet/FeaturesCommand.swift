import ArgumentParser
import Cohort
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

        Each slide is a work unit recorded in <cache>/manifest.jsonl (running, done with its files' \
        sizes and SHA-256, or failed with the error): a slide recorded as done whose files are intact \
        is skipped without opening it. With --shard K/N (or inside a SLURM array, see `hatnet slurm \
        features`) a worker starts with its part of the slides and then helps with the rest; the cache \
        ends the same as after one process.
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

    @OptionGroup var cohort: CohortOptions

    func validate() throws {
        guard (1...1_000_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000000, got \(batch)") }
    }

    /// The slides of the split files, in order, each once.
    func slideUnits() throws -> [SlideWorkUnit] {
        try splitSlides(splits, classNames: featureSet.classNames.names, imageDirectory: imgDir, imageExtension: imgExtn)
            .map { SlideWorkUnit(id: $0.imageID, file: $0.file) }
    }

    /// The encoder and the cache (created with its cache.json if missing) its features go to.
    func openCache() throws -> (encoder: any Encoder, cache: FeatureCache) {
        let weights = try encoderOptions.weightsURL()
        let encoder = try encoderOptions.makeEncoder()
        let key = FeatureCacheKey(encoderName: encoder.name, weightsSHA256: try WeightCache.sha256(ofFile: weights))
        return (encoder, try FeatureCache(root: URL(fileURLWithPath: featuresDir, isDirectory: true), key: key))
    }

    func run() throws {
        let slides = try slideUnits()
        let (encoder, cache) = try openCache()
        let scales = featureSet.trainingOptions.trainingScales
        for scale in scales { try encoder.checkInput(height: scale.wordSize, width: scale.wordSize) }
        let views = featureSet.views
        print("\(slides.count) slides × \(scales.count) scales (\(scales.map(\.description).joined(separator: ", "))) × \(views) view(s) "
              + "with \(encoder.name), F \(encoder.featureCount)")
        print("cache \(cache.directory.path)")
        let wordEncoder = WordFeatureEncoder(encoder: encoder, gridOptions: grid.options, seed: seed, batchSize: batch)
        let extraction = FeatureExtraction(wordEncoder: wordEncoder, cache: cache, scales: scales, views: views)
        let task = FeatureSlideTask(extraction: extraction) { notice in
            FileHandle.standardError.write(Data("hatnet features: \(notice)\n".utf8))
        }
        let summary = try cohort.run(task, units: slides, name: "features")
        print("\(summary.computed.count) slide(s) computed, \(summary.skipped) already cached"
              + (summary.busy.isEmpty ? "" : ", \(summary.busy.count) slide(s) left to another process")
              + "; pass --features \(cache.directory.path) to `hatnet train`")
    }
}
