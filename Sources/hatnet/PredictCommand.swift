import ArgumentParser
import Cohort
import Encoders
import Foundation
import Pipeline
import Slides
import FileOutput
import HATNet

/// `hatnet predict`: diagnose slides with a trained model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Diagnose slides: class, probabilities, and the bags and words the model attended to.",
        discussion: """
        Cuts each slide into the run's bags and words (pass the --level/--mpp, --keep-aspect and \
        --tissue/--no-tissue the features were made with; the defaults are the same), encodes them with \
        the encoder the run's features \
        came from (its weights are checked against the feature cache's hash), and writes \
        <output>/<slide name>.json: predicted_class, probabilities by class, and top_bags with their \
        attention energies and top_words, each with its rectangle (x, y, width, height) in level-0 \
        slide pixels.

        Each slide is a work unit recorded in <output>/manifest.jsonl and locked while it is \
        diagnosed (<output>/.hatnet-locks/), so several workers (--shard K/N, or the tasks of \
        `hatnet slurm predict`) can share one output directory; a slide recorded as done with the \
        same settings and an intact file is skipped.
        """)

    @Argument(help: ArgumentHelp("Slide files.", valueName: "SLIDE"))
    var slides: [String]

    @Option(help: ArgumentHelp("Run directory of `hatnet train`.", valueName: "DIR"))
    var model: String

    @Option(help: ArgumentHelp("Weights (default DIR/model_best.safetensors; also .pth or an averaged model).", valueName: "FILE"))
    var modelWeights: String?

    @OptionGroup var encoderOptions: EncoderOptions

    @Option(help: ArgumentHelp("Read each slide's words from this feature cache (e.g. one `hatnet import features` wrote; the entry "
                               + "of the slide's file name without extension) instead of encoding the slide; --encoder and --weights "
                               + "are then not used.", valueName: "CACHE"))
    var features: String?

    @Option(help: ArgumentHelp("Directory for the diagnosis JSON files.", valueName: "DIR"))
    var output = "predictions"

    @Option(help: "Bags to report.") var topBags = 5
    @Option(help: "Words to report per bag.") var topWords = 5
    @OptionGroup var grid: GridOptions

    @OptionGroup var cohort: CohortOptions

    func validate() throws {
        guard !slides.isEmpty else { throw ValidationError("give at least one slide") }
        guard topBags >= 1, topWords >= 1 else {
            throw ValidationError("--top-bags and --top-words must be at least 1, got \(topBags) and \(topWords)")
        }
        var destinations: [String: String] = [:]
        let inputs = slides.map { ($0, "SLIDE") } + (modelWeights.map { [($0, "--model-weights")] } ?? [])
        for slide in slides {
            let destination = destination(for: slide).path
            if let other = destinations[destination] {
                throw ValidationError("slides \(other) and \(slide) would both write \(destination); predict them into different --output directories")
            }
            destinations[destination] = slide
            try requireOutput(destination, option: "--output", distinctFrom: inputs)
        }
    }

    /// `<output>/<slide name without extension>.json`.
    private func destination(for slide: String) -> URL {
        URL(fileURLWithPath: output, isDirectory: true)
            .appendingPathComponent(URL(fileURLWithPath: slide).deletingPathExtension().lastPathComponent + ".json")
    }

    func run() throws {
        // Per-slide locks instead of one directory lock: several workers may share --output.
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw ValidationError("--output \(output): cannot create the directory (\(error.localizedDescription))")
        }
        try predict()
    }

    private func predict() throws {
        let trained = try TrainedRun(directory: URL(fileURLWithPath: model, isDirectory: true))
        let network = try trained.loadModel(weights: modelWeights.map { URL(fileURLWithPath: $0) })
        let predictor: Predictor, encoderWeightsSHA256: String
        if let features {
            predictor = try cachedFeaturePredictor(features, trained: trained, network: network)
            encoderWeightsSHA256 = predictor.cachedFeatures?.key.weightsSHA256 ?? ""  // always set by cachedFeaturePredictor
        } else {
            (predictor, encoderWeightsSHA256) = try encodingPredictor(trained: trained, network: network)
        }
        let identity = ModelIdentity.settings(run: URL(fileURLWithPath: model, isDirectory: true),
                                              modelWeights: modelWeights.map { URL(fileURLWithPath: $0) }, encoderWeightsSHA256: encoderWeightsSHA256)
        let task = PredictSlideTask(predictor: predictor, directory: URL(fileURLWithPath: output, isDirectory: true),
                                    topBags: topBags, topWords: topWords, identity: identity) { diagnosis, destination in
            let probability = diagnosis.probabilities[diagnosis.predictedClass] ?? 0
            print("\(URL(fileURLWithPath: diagnosis.slide).lastPathComponent): \(diagnosis.predictedClass) (\(String(format: "%.3f", probability))) → \(destination.path)")
        }
        try cohort.run(task, units: slides.map { SlideWorkUnit(slideFile: URL(fileURLWithPath: $0)) }, name: "predict")
    }

    /// A predictor that encodes the slides with --encoder/--weights, which must be the run's, and
    /// the SHA-256 of those weights (hashed once: the file may be hundreds of MB).
    private func encodingPredictor(trained: TrainedRun, network: HATNetModel) throws -> (predictor: Predictor, weightsSHA256: String) {
        let weights = try encoderOptions.weightsURL()
        let encoder = try encoderOptions.makeEncoder()
        try encoder.checkInput(height: trained.options.baseScale.wordSize, width: trained.options.baseScale.wordSize)
        let key = FeatureCacheKey(encoderName: encoder.name, weightsSHA256: try WeightCache.sha256(ofFile: weights))
        if let trainedCache = try? FeatureCache(directory: URL(fileURLWithPath: trained.options.featureDirectory, isDirectory: true)),
           trainedCache.key != key {
            throw FileError(path: weights.path, problem: "the run was trained on features of \(trainedCache.key.encoderName) (weights \(trainedCache.key.weightsSHA256)), "
                                  + "not \(key.encoderName) (weights \(key.weightsSHA256)); pass the same --encoder and --weights")
        }
        let predictor = try Predictor(model: network, classNames: trained.options.classNames,
                                      wordEncoder: WordFeatureEncoder(encoder: encoder, gridOptions: grid.options),
                                      scale: trained.options.baseScale)
        return (predictor, key.weightsSHA256)
    }
}
