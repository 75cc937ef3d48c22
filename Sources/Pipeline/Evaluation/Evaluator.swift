import Foundation
import HATNet
import Reports
import TensorKit
import Slides
import FileOutput

/// Evaluates a trained attention network on a test split of cached features, as the reference's
/// `Evaluator` (train_and_eval/evaluator.py):
///
/// - single scale: the softmax of each slide's logits at the base scale;
/// - multi-scale (`--msc-eval`): the same for every scale of
///   ``WordGridLayout/multiScalePairs(scaleFactor:multipliers:)``, then the element-wise maximum and
///   the mean of the logits over scales, each followed by a softmax.
///
/// Every prediction set gets the reference's outputs, named
/// `mimodel_<kind>_<attn_fn>_<attn_type>_<split>_<postfix>` with postfix `bag_<B>_word_<W>` per
/// scale and `bag_<B>_word_<W>_max|avg` for the combinations: `results` (.json with every CMMetrics
/// field, confusion matrix, labels and ROC AUCs; .csv table), `cmat` and `roc` plots (.pdf, .png),
/// and `predictions` (.json with image ids, `y_true`, `y_prob`, `y_pred`, readable by `hatnet metrics`).
public struct Evaluator {
    public let model: HATNetModel
    public let classNames: [String]
    public let test: SplitFile
    public let cache: FeatureCache
    /// The scales evaluated, in the order of the reference's bag-word pairs.
    public let scales: [WordGridLayout]
    /// The scale the `max`/`avg` results are named after (`--bag-size`, `--word-size`).
    public let baseScale: WordGridLayout
    public let isMultiScale: Bool

    /// Checks the model against the class names and scale, and every test file of the cache
    /// (``CachedFeatureDataset``: present, intact, one set of settings, the model's feature width).
    ///
    /// - Parameter trainingFeatures: a file the model was trained on (``TrainedRun/trainingFeatureFile()``),
    ///   whose recorded settings the test files must share.
    /// - Throws: ``TrainingError``, ``DatasetError`` or ``PipelineError`` naming the file or option.
    public init(model: HATNetModel, classNames: [String], test: SplitFile, cache: FeatureCache, baseScale: WordGridLayout,
                multiScale: (scaleFactor: Int, multipliers: [Int])?,
                trainingFeatures: (url: URL, metadata: [String: String])? = nil) throws {
        guard classNames.count == model.configuration.numClasses else {
            throw TrainingError.invalidOption("\(classNames.count) class names (\(classNames.joined(separator: ", "))) for a model "
                                              + "with \(model.configuration.numClasses) classes")
        }
        guard baseScale.bagsPerSide == model.configuration.numBagsWords else {
            throw TrainingError.invalidOption("\(baseScale) has \(baseScale.bagsPerSide) bags a side, the model "
                                              + "\(model.configuration.numBagsWords)")
        }
        self.model = model
        self.classNames = classNames
        self.test = test
        self.cache = cache
        self.baseScale = baseScale
        isMultiScale = multiScale != nil
        scales = multiScale.map { baseScale.multiScalePairs(scaleFactor: $0.scaleFactor, multipliers: $0.multipliers) } ?? [baseScale]
        let dataset = try CachedFeatureDataset(split: test, cache: cache, scales: scales, views: 1)
        guard dataset.featureCount == model.configuration.cnnFeatures else {
            throw TrainingError.incompatibleFeatures(path: dataset.referenceFile.path, reason: "has \(dataset.featureCount) features "
                                                     + "per word, the model expects \(model.configuration.cnnFeatures)")
        }
        if let trainingFeatures, let disagreement = FeatureExtractionSettings.disagreements(
            dataset.referenceMetadata, view: 0, firstName: dataset.referenceFile.path,
            trainingFeatures.metadata, view: 0, secondName: "the run's training features (\(trainingFeatures.url.path))").first {
            throw TrainingError.incompatibleFeatures(path: dataset.referenceFile.path, reason: "the test slides were computed with "
                                                     + "other settings than the run's training slides in the cache: \(disagreement)")
        }
    }

    /// One evaluated prediction set and the files written for it.
    public struct Result {
        /// `bag_<B>_word_<W>`, or with `_max` / `_avg`.
        public let postfix: String
        public let report: EvaluationReport
        public let files: [URL]
    }

    /// Logits `[N, C]` of every test slide at `scale` (dropout off).
    public func logits(at scale: WordGridLayout, progress: (Int, Int) -> Void = { _, _ in }) throws -> Tensor {
        var scalars: [Float] = []
        for (index, entry) in test.entries.enumerated() {
            let features = try cache.read(imageID: entry.imageID, scale: scale, view: 0)
            guard features.featureCount == model.configuration.cnnFeatures else {
                throw TrainingError.incompatibleFeatures(path: cache.url(imageID: entry.imageID, scale: scale, view: 0).path,
                                                         reason: "has \(features.featureCount) features per word, the model expects "
                                                         + "\(model.configuration.cnnFeatures)")
            }
            scalars += model.infer(features.words.unsqueezed(axis: 0)).logits.scalars
            progress(index + 1, test.entries.count)
        }
        return Tensor(shape: [test.entries.count, model.configuration.numClasses], scalars: scalars)
    }

    /// The postfixes of the result sets ``run(outputDirectory:inputs:progress:)`` writes.
    public var postfixes: [String] {
        scales.map(\.description) + (isMultiScale ? ["\(baseScale)_max", "\(baseScale)_avg"] : [])
    }

    /// Every file ``run(outputDirectory:inputs:progress:)`` writes into `directory`.
    public func outputFiles(in directory: URL) -> [URL] {
        postfixes.flatMap { postfix -> [URL] in
            let results = directory.appendingPathComponent(fileStem(kind: "results", postfix: postfix) + ".json")
            let cmat = directory.appendingPathComponent(fileStem(kind: "cmat", postfix: postfix))
            let roc = directory.appendingPathComponent(fileStem(kind: "roc", postfix: postfix))
            return [results, results.deletingPathExtension().appendingPathExtension("csv"),
                    cmat.appendingPathExtension("pdf"), cmat.appendingPathExtension("png"),
                    roc.appendingPathExtension("pdf"), roc.appendingPathExtension("png"),
                    directory.appendingPathComponent(fileStem(kind: "predictions", postfix: postfix) + ".json")]
        }
    }

    /// Evaluates and writes every result into `outputDirectory` (created if needed).
    ///
    /// The directory is locked while writing (a second writer is refused, naming the holder),
    /// temporary files of killed processes in it are removed, and no output may be one of
    /// `inputs` (the weights, split or config the caller read), checked before anything is written.
    /// - Throws: ``TrainingError`` or `FileError` naming the directory or the input.
    public func run(outputDirectory: URL, inputs: [(path: String, option: String)] = [],
                    progress: (String) -> Void = { _ in }) throws -> [Result] {
        MemoryTuning.retainFreedBuffers()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: outputDirectory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw TrainingError.badRunDirectory(path: outputDirectory.path, reason: "is a file, not a directory; choose another --savedir")
        }
        let inputList = inputs + [(test.url.path, "the test split")]
        for file in outputFiles(in: outputDirectory) {
            try OutputGuard.requireDistinct(output: file.path, option: "--savedir", from: inputList)
        }
        let lock: DirectoryLock
        do { lock = try DirectoryLock.acquire(directory: outputDirectory, purpose: "hatnet eval") } catch let error as FileError {
            throw TrainingError.badRunDirectory(path: outputDirectory.path, reason: error.problem)
        }
        defer { lock.release() }
        AtomicFile.removeStaleTemporaryFiles(in: outputDirectory)
        var logitsByScale: [Tensor] = []
        for scale in scales {
            logitsByScale.append(try logits(at: scale) { done, total in progress("\(scale): slide \(done)/\(total)") })
        }
        var results: [Result] = []
        for (scale, logits) in zip(scales, logitsByScale) {
            results.append(try write(logits: logits, postfix: "\(scale)", to: outputDirectory))
        }
        if isMultiScale {
            // [N, C, S]: logits of every scale side by side.
            let stacked = Tensor.stack(logitsByScale, axis: -1)
            results.append(try write(logits: stacked.max(axis: -1), postfix: "\(baseScale)_max", to: outputDirectory))
            results.append(try write(logits: stacked.mean(axis: -1), postfix: "\(baseScale)_avg", to: outputDirectory))
        }
        return results
    }

    /// The reference's file stem `mimodel_<kind>_<attn_fn>_<attn_type>_<split>_<postfix>`.
    public func fileStem(kind: String, postfix: String) -> String {
        let configuration = model.configuration
        return "mimodel_\(kind)_\(configuration.attentionFunction.rawValue)_\(configuration.energyReduction.rawValue)_\(test.name)_\(postfix)"
    }

    private func write(logits: Tensor, postfix: String, to directory: URL) throws -> Result {
        let probabilities = logits.softmax(axis: -1)
        let predictions = try PredictionSet(trueLabels: test.labels, probabilities: probabilities)
        let report = EvaluationReport(predictions: predictions)
        let results = directory.appendingPathComponent(fileStem(kind: "results", postfix: postfix) + ".json")
        let table = results.deletingPathExtension().appendingPathExtension("csv")
        try report.writeJSON(to: results, classNames: classNames)
        try report.writeCSV(to: table, classNames: classNames)
        let matrix = try ConfusionMatrixPlot(matrix: report.confusionMatrix, classNames: classNames)
            .write(to: directory.appendingPathComponent(fileStem(kind: "cmat", postfix: postfix)))
        let roc = try ROCPlot(analysis: report.roc, classNames: classNames)
            .write(to: directory.appendingPathComponent(fileStem(kind: "roc", postfix: postfix)))
        let predictionsURL = directory.appendingPathComponent(fileStem(kind: "predictions", postfix: postfix) + ".json")
        try PredictionFile(predictions: predictions, imageIDs: test.entries.map(\.imageID), classNames: classNames)
            .write(to: predictionsURL)
        return Result(postfix: postfix, report: report,
                      files: [results, table, matrix.pdf, matrix.png, roc.pdf, roc.png, predictionsURL])
    }
}
