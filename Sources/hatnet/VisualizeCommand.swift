import ArgumentParser
import Encoders
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
        """)

    @Argument(help: "Slide or image file.")
    var slide: String

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

    func validate() throws {
        guard top > 0, top <= 1 else { throw ValidationError("--top must be in (0, 1], got \(top)") }
        guard (16...16384).contains(thumbnail) else { throw ValidationError("--thumbnail must be 16 to 16384 pixels, got \(thumbnail)") }
        guard index >= 0 else { throw ValidationError("--index must not be negative, got \(index)") }
        guard (model == nil) != (scores == nil) else { throw ValidationError("give either --model or --scores") }
        guard features == nil || model != nil else { throw ValidationError("--features needs --model") }
        var inputs: [(path: String, option: String)] = [(slide, "SLIDE")]
        if let annotations { inputs.append((annotations, "--annotations")) }
        if let scores { inputs.append((scores, "--scores")) }
        if let modelWeights { inputs.append((modelWeights, "--model-weights")) }
        for name in VisualizationJob.outputFileNames {
            try requireOutput(URL(fileURLWithPath: out).appendingPathComponent(name).path, option: "--out", distinctFrom: inputs)
        }
    }

    func run() throws {
        try withOutputDirectory(out, purpose: "hatnet visualize \(slide)") { try visualize() }
    }

    private func visualize() throws {
        let job = VisualizationJob(slide: URL(fileURLWithPath: slide), outputDirectory: URL(fileURLWithPath: out, isDirectory: true),
                                   annotations: annotations.map { URL(fileURLWithPath: $0) }, topFraction: top,
                                   thumbnailSize: thumbnail)
        let (visualization, files) = try job.run(attention: try attentionSource())
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
        let cached = try features.map { try cachedFeaturePredictor($0, trained: trained, network: network) }
        let predictor = try cached?.predictor ?? Predictor(model: network, classNames: trained.options.classNames,
                                                           wordEncoder: WordFeatureEncoder(encoder: try encoderOptions.makeEncoder(),
                                                                                           gridOptions: grid.options),
                                                           scale: trained.options.baseScale)
        let cache = cached?.cache
        return { source in
            let diagnosis = try cache.map { try predictor.diagnose(try $0.untransformedFeatures(forSlide: source, scale: predictor.scale)) }
                ?? predictor.diagnose(slide: source, imageID: source.url.lastPathComponent)
            let label = diagnosis.predictedLabel
            print("\(source.url.lastPathComponent): \(predictor.classNames[label]) (\(String(format: "%.3f", diagnosis.probabilities[label])))")
            let (width, height) = source.dimensions
            return SlideAttention(slideWidth: width, slideHeight: height, geometry: diagnosis.features.geometry, attention: diagnosis.attention)
        }
    }
}
