import ArgumentParser
import Cohort
import Encoders
import FileOutput
import Foundation
import Pipeline
import Slides
import Visualization

/// `hatnet visualize`: HATNet's attention drawn on the slide, measured against annotations.
struct VisualizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Draw where HATNet looked on a slide and measure how much of the annotated lesions it covers.",
        discussion: """
        Writes into --out: top_bags.png/pdf (the top bags outlined in blue, annotations in red), \
        top_words.png/pdf (the top words in blue, pink where they overlap an annotation), \
        word_heatmap.png/pdf and bag_heatmap.png/pdf (scores blended over the thumbnail, with a colour \
        bar), and attention.json (every bag's and word's score, rank and rectangle in level-0 slide \
        pixels, and the coverage figures). Annotations are QuPath GeoJSON exports (Polygon and \
        MultiPolygon in level-0 pixels) or a label-mask image (non-zero = lesion) covering the slide. \
        Scores come either from a trained run (--model: the slide is cut at the run's scale, encoded with \
        --encoder/--weights as in hatnet predict, and classified) or from `hatnet attend` (--scores; the \
        grid is read from the scores' word_regions or rebuilt from --bag-size, --word-size, --keep-aspect \
        and --level/--mpp, which must match the features' grid). With --model the run's scale is used and \
        --bag-size/--word-size are ignored.

        Several slides (with --model), or one with --shard or inside a SLURM array (`hatnet slurm \
        visualize`), make a cohort run: each slide's files go to <out>/<slide name>/, each slide is \
        locked while it is drawn and recorded in <out>/manifest.jsonl, and a slide done with the same \
        settings and intact files is skipped. Annotations are then found by --annotations-suffix next \
        to each slide (e.g. .geojson or _mask.png).
        """)

    @Argument(help: ArgumentHelp("Slide or image file (several with --model: one subdirectory of --out each).", valueName: "SLIDE"))
    var slideFiles: [String]

    /// The slide of a single-slide run.
    private var slide: String { slideFiles[0] }

    @Option(help: ArgumentHelp("With several slides: each slide's annotations are <slide without extension><SUFFIX>, when that file exists.",
                               valueName: "SUFFIX"))
    var annotationsSuffix: String?

    @OptionGroup var cohort: CohortOptions

    /// Several slides, or one as a worker of a cohort: per-slide subdirectories and the manifest.
    private var isCohortRun: Bool { slideFiles.count > 1 || cohort.isWorker }

    @Option(help: ArgumentHelp("Output directory (created if missing).", valueName: "DIR"))
    var out: String

    @Option(help: ArgumentHelp("Ground truth: QuPath GeoJSON or a label-mask PNG.", valueName: "GEOJSON|MASK.png"))
    var annotations: String?

    @Option(help: ArgumentHelp("Share of bags and words called top, in (0, 1].", valueName: "FRACTION"))
    var top: Double = 0.5

    @Option(help: ArgumentHelp("Run directory of `hatnet train`.", valueName: "DIR"))
    var model: String?

    @Option(help: ArgumentHelp("Weights (default DIR/model_best.safetensors; also .pth or an averaged model).", valueName: "FILE"))
    var modelWeights: String?

    @OptionGroup var encoderOptions: EncoderOptions

    @Option(help: ArgumentHelp("With --model: read the slide's words from this feature cache (e.g. one `hatnet import features` "
                               + "wrote) instead of encoding the slide.", valueName: "CACHE"))
    var features: String?

    @OptionGroup var grid: GridOptions

    @Option(help: ArgumentHelp("Attention scores from hatnet attend (word_scores, bag_scores).", valueName: "FILE.safetensors"))
    var scores: String?

    @Option(help: ArgumentHelp("Which slide of the scores' batch to show.", valueName: "INDEX"))
    var index: Int = 0

    @OptionGroup var gridSize: GridSizeOptions

    @Option(help: ArgumentHelp("Longer side of the figures, in pixels.", valueName: "PIXELS"))
    var thumbnail: Int = 1024

    @Option(help: ArgumentHelp("Also write the words as QuPath tile objects with their scores and ranks.", valueName: "FILE.geojson"))
    var qupath: String?

    @Option(name: .customLong("overlay-tiff"),
            help: ArgumentHelp("Also write the word attention as a pyramidal RGBA TIFF of the slide's size.", valueName: "FILE.tiff"))
    var overlayTIFF: String?

    @Flag(help: "Replace existing --qupath and --overlay-tiff files.")
    var overwrite = false

    func validate() throws {
        guard !slideFiles.isEmpty else { throw ValidationError("give at least one slide") }
        if isCohortRun {
            guard model != nil, scores == nil else {
                throw ValidationError("several slides (or --shard) need --model; --scores holds the attention of one slide")
            }
            guard annotations == nil else {
                throw ValidationError("--annotations names one slide's annotations; with several slides use --annotations-suffix")
            }
        }
        if let annotationsSuffix {
            guard !annotationsSuffix.isEmpty, !annotationsSuffix.contains("/"), !annotationsSuffix.contains("\0") else {
                throw ValidationError("--annotations-suffix must be a file-name ending such as .geojson or _mask.png, got \"\(annotationsSuffix)\"")
            }
        }
        var names: [String: String] = [:]
        for file in slideFiles {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            if let other = names[name] {
                throw ValidationError("slides \(other) and \(file) would both write \(out)/\(name); visualize them into different --out directories")
            }
            names[name] = file
        }
        guard top > 0, top <= 1 else { throw ValidationError("--top must be in (0, 1], got \(top)") }
        guard (16...16384).contains(thumbnail) else { throw ValidationError("--thumbnail must be 16 to 16384 pixels, got \(thumbnail)") }
        guard index >= 0 else { throw ValidationError("--index must not be negative, got \(index)") }
        guard (model == nil) != (scores == nil) else { throw ValidationError("give either --model or --scores") }
        guard features == nil || model != nil else { throw ValidationError("--features needs --model") }
        var inputs: [(path: String, option: String)] = slideFiles.map { ($0, "SLIDE") }
        if let annotations { inputs.append((annotations, "--annotations")) }
        if let scores { inputs.append((scores, "--scores")) }
        if let modelWeights { inputs.append((modelWeights, "--model-weights")) }
        for file in slideFiles {
            let directory = isCohortRun ? URL(fileURLWithPath: out).appendingPathComponent(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)
                : URL(fileURLWithPath: out)
            for name in VisualizationJob.outputFileNames {
                try requireOutput(directory.appendingPathComponent(name).path, option: "--out", distinctFrom: inputs)
            }
        }
        let figures = VisualizationJob.outputFileNames.map { (URL(fileURLWithPath: out).appendingPathComponent($0).path, "--out") }
        var others = inputs + figures
        for (path, option) in [(qupath, "--qupath"), (overlayTIFF, "--overlay-tiff")] {
            guard let path else { continue }
            try requireOutput(path, option: option, distinctFrom: others)
            try libraryRule { try OutputGuard.requireWritable(output: path, option: option, overwrite: overwrite) }
            others.append((path, option))
        }
    }

    func run() throws {
        guard isCohortRun else {
            try withOutputDirectory(out, purpose: "hatnet visualize \(slide)") { try visualize() }
            return
        }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw ValidationError("--out \(out): cannot create the directory (\(error.localizedDescription))")
        }
        let cachedFeatures = try features.map { try FeatureCache(directory: URL(fileURLWithPath: $0, isDirectory: true)) }
        var identity = ModelIdentity.settings(run: URL(fileURLWithPath: model!, isDirectory: true),
                                              modelWeights: modelWeights.map { URL(fileURLWithPath: $0) },
                                              encoderWeightsSHA256: try cachedFeatures?.key.weightsSHA256
                                                ?? WeightCache.sha256(ofFile: try encoderOptions.weightsURL()))
        for (key, value) in FeatureExtractionSettings(grid: grid.options, seed: 0).metadata(view: 0) { identity[key] = value }
        if let cachedFeatures { identity["features"] = cachedFeatures.directory.standardizedFileURL.path }
        let task = VisualizeSlideTask(directory: URL(fileURLWithPath: out, isDirectory: true), topFraction: top, thumbnailSize: thumbnail,
                                      annotationsSuffix: annotationsSuffix,
                                      identity: identity, attention: try attentionSource()) { unit, visualization, _ in
            if let bags = visualization.bagCoverage, let words = visualization.wordCoverage {
                print("\(unit.id): \(bags.summary(items: "bags"))")
                print("\(unit.id): \(words.summary(items: "words"))")
            }
        }
        try cohort.run(task, units: slideFiles.map { SlideWorkUnit(slideFile: URL(fileURLWithPath: $0)) }, name: "visualize")
    }

    private func visualize() throws {
        let job = VisualizationJob(slide: URL(fileURLWithPath: slide), outputDirectory: URL(fileURLWithPath: out, isDirectory: true),
                                   annotations: annotations.map { URL(fileURLWithPath: $0) }, topFraction: top,
                                   thumbnailSize: thumbnail, qupathFile: qupath.map { URL(fileURLWithPath: $0) },
                                   overlayTIFF: overlayTIFF.map { URL(fileURLWithPath: $0) })
        for path in [qupath, overlayTIFF].compactMap({ $0 }) { removeStaleTemporaryFiles(nextTo: path) }
        let progress = ProgressLine(), started = Date()
        let (visualization, files) = try job.run(attention: try attentionSource()) { done, total in
            let elapsed = Date().timeIntervalSince(started)
            let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
            progress.update("overlay TIFF: tile row \(done)/\(total), " + String(format: "ETA %.0f s", remaining), force: done == total)
        }
        progress.finish()
        if let bags = visualization.bagCoverage, let words = visualization.wordCoverage {
            print(bags.summary(items: "bags"))
            print(words.summary(items: "words"))
        }
        for url in files.all { print("wrote \(url.path)") }
    }

    /// Computes the slide's attention with the trained run, or reads it from the scores file.
    private func attentionSource() throws -> (any SlideSource) throws -> SlideAttention {
        if let scores {
            let layout = try gridSize.layout(), options = grid.options
            return { source in
                try AttentionScoresFile.read(URL(fileURLWithPath: scores), index: index, source: source, layout: layout, options: options)
            }
        }
        let trained = try TrainedRun(directory: URL(fileURLWithPath: model!, isDirectory: true))
        let network = try trained.loadModel(weights: modelWeights.map { URL(fileURLWithPath: $0) })
        let predictor = try features.map { try cachedFeaturePredictor($0, trained: trained, network: network) }
            ?? Predictor(model: network, classNames: trained.options.classNames,
                         wordEncoder: WordFeatureEncoder(encoder: try encoderOptions.makeEncoder(), gridOptions: grid.options),
                         scale: trained.options.baseScale)
        return { source in
            let diagnosis = try predictor.diagnose(slide: source, imageID: source.url.lastPathComponent)
            let label = diagnosis.predictedLabel
            print("\(source.url.lastPathComponent): \(predictor.classNames[label]) (\(String(format: "%.3f", diagnosis.probabilities[label])))")
            let (width, height) = source.dimensions
            return SlideAttention(slideWidth: width, slideHeight: height, geometry: diagnosis.features.geometry, attention: diagnosis.attention)
        }
    }
}
