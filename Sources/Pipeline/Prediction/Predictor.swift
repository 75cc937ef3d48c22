import Encoders
import Foundation
import HATNet
import Slides
import TensorKit

/// Diagnoses slides end to end: slide → bags and words (``WordGridExtractor``, streamed) → word
/// encoder → attention network → ``Diagnosis`` with class probabilities and the bags and words of
/// highest attention, located in slide pixels. The reference has no such command; its
/// evaluator does the same per slide without reporting locations.
public struct Predictor {
    public let model: HATNetModel
    public let classNames: [String]
    /// Encodes each slide the way the training features were encoded; `nil` for a predictor of
    /// cached features (``init(model:classNames:cachedFeatures:scale:)``).
    public let wordEncoder: WordFeatureEncoder?
    /// The cache each slide's words are read from instead of encoded (`nil` when ``wordEncoder`` encodes).
    public let cachedFeatures: FeatureCache?
    /// The scale slides are cut at (the run's base scale).
    public let scale: WordGridLayout

    /// - Throws: ``TrainingError`` when the encoder's width, the scale's grid or the class names do
    ///   not fit the model.
    public init(model: HATNetModel, classNames: [String], wordEncoder: WordFeatureEncoder, scale: WordGridLayout) throws {
        try self.init(model: model, classNames: classNames, wordEncoder: wordEncoder, cachedFeatures: nil,
                      featureCount: wordEncoder.encoder.featureCount, featureSource: wordEncoder.encoder.name, scale: scale)
    }

    /// A predictor of word features read from a cache (e.g. imported ones) instead of encoded: each
    /// slide's entry is found by ``FeatureCache/untransformedFeatures(forSlide:scale:)``; the words'
    /// width is checked against the model when they are read.
    /// - Throws: ``TrainingError`` when the scale's grid or the class names do not fit the model.
    public init(model: HATNetModel, classNames: [String], cachedFeatures: FeatureCache, scale: WordGridLayout) throws {
        try self.init(model: model, classNames: classNames, wordEncoder: nil, cachedFeatures: cachedFeatures,
                      featureCount: model.configuration.cnnFeatures, featureSource: cachedFeatures.directory.path, scale: scale)
    }

    /// Where the words come from, as settings a cohort manifest records (the encoder's extraction
    /// settings and name, or the feature cache and its encoder).
    public var featureSettings: [String: String] {
        if let wordEncoder {
            var settings = wordEncoder.settings.metadata(view: 0)
            settings["encoder"] = wordEncoder.encoder.name
            return settings
        }
        guard let cachedFeatures else { return [:] }
        return ["features": cachedFeatures.directory.standardizedFileURL.path, "encoder": cachedFeatures.key.encoderName,
                "encoder_weights_sha256": cachedFeatures.key.weightsSHA256]
    }

    private init(model: HATNetModel, classNames: [String], wordEncoder: WordFeatureEncoder?, cachedFeatures: FeatureCache?,
                 featureCount: Int, featureSource: String, scale: WordGridLayout) throws {
        guard featureCount == model.configuration.cnnFeatures else {
            throw TrainingError.incompatibleFeatures(path: featureSource, reason: "gives \(featureCount) "
                                                     + "features per word, the model expects \(model.configuration.cnnFeatures)")
        }
        guard scale.bagsPerSide == model.configuration.numBagsWords else {
            throw TrainingError.invalidOption("\(scale) has \(scale.bagsPerSide) bags a side, the model \(model.configuration.numBagsWords)")
        }
        guard classNames.count == model.configuration.numClasses else {
            throw TrainingError.invalidOption("\(classNames.count) class names for a model with \(model.configuration.numClasses) classes")
        }
        self.model = model
        self.classNames = classNames
        self.wordEncoder = wordEncoder
        self.cachedFeatures = cachedFeatures
        self.scale = scale
    }

    /// The summary `hatnet predict` writes of a diagnosis: class, probabilities, and the
    /// `topBags` bags of highest energy with their `topWords` words, each with its rectangle.
    public func report(of diagnosis: Diagnosis, slide: String, topBags: Int = 5, topWords: Int = 5) -> DiagnosisReport {
        let features = diagnosis.features, geometry = features.geometry, label = diagnosis.predictedLabel
        let bagScores = diagnosis.attention.bagScores.scalars, wordScores = diagnosis.attention.wordScores.scalars
        let wordsPerBag = features.wordsPerBag
        let bags = Self.largest(bagScores, count: topBags).map { bag -> DiagnosisReport.Bag in
            let scores = Array(wordScores[(bag * wordsPerBag)..<((bag + 1) * wordsPerBag)])
            let words = Self.largest(scores, count: topWords).map {
                DiagnosisReport.Word(word: $0, score: Double(scores[$0]), region: geometry.wordRegion(bag: bag, word: $0))
            }
            return DiagnosisReport.Bag(bag: bag, score: Double(bagScores[bag]), region: geometry.bagRegions[bag], topWords: words)
        }
        return DiagnosisReport(slide: slide, predictedClass: classNames[label], predictedLabel: label,
                               probabilities: Dictionary(uniqueKeysWithValues: zip(classNames, diagnosis.probabilities)),
                               bagSize: features.scale.bagSize, wordSize: features.scale.wordSize, topBags: bags)
    }

    /// Indices of the `count` largest values, largest first (earlier index on ties).
    static func largest(_ values: [Float], count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(count))
    }
}
