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
    /// Encodes each slide the way the training features were encoded.
    public let wordEncoder: WordFeatureEncoder
    /// The scale slides are cut at (the run's base scale).
    public let scale: WordGridLayout

    /// - Throws: ``TrainingError`` when the encoder's width, the scale's grid or the class names do
    ///   not fit the model.
    public init(model: HATNetModel, classNames: [String], wordEncoder: WordFeatureEncoder, scale: WordGridLayout) throws {
        guard wordEncoder.encoder.featureCount == model.configuration.cnnFeatures else {
            throw TrainingError.incompatibleFeatures(path: wordEncoder.encoder.name, reason: "gives \(wordEncoder.encoder.featureCount) "
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
        self.scale = scale
    }

    /// Encodes and classifies one slide.
    public func predict(slide url: URL, topBags: Int = 5, topWords: Int = 5) throws -> Diagnosis {
        let features = try wordEncoder.encode(try openSlide(url), imageID: url.lastPathComponent, scale: scale, view: 0)
        return diagnose(features, slide: url.path, topBags: topBags, topWords: topWords)
    }

    /// Classifies cached or freshly computed word features.
    public func diagnose(_ features: WordFeatures, slide: String, topBags: Int = 5, topWords: Int = 5) -> Diagnosis {
        let attended = attend(features)
        let probabilities = attended.probabilities, label = attended.predictedLabel
        let bagScores = attended.attention.bagScores.scalars, wordScores = attended.attention.wordScores.scalars
        let wordsPerBag = features.wordsPerBag
        func region(_ bag: Int, _ word: Int) -> Diagnosis.Region {
            let box = features.region(bag: bag, word: word)
            return Diagnosis.Region(x: Double(box.x), y: Double(box.y), width: Double(box.width), height: Double(box.height))
        }
        let bags = Self.largest(bagScores, count: topBags).map { bag -> Diagnosis.Bag in
            let scores = Array(wordScores[(bag * wordsPerBag)..<((bag + 1) * wordsPerBag)])
            let words = Self.largest(scores, count: topWords).map { Diagnosis.Word(word: $0, score: Double(scores[$0]), region: region(bag, $0)) }
            let boxes = (0..<wordsPerBag).map { region(bag, $0) }
            let minX = boxes.map(\.x).min()!, minY = boxes.map(\.y).min()!
            let maxX = boxes.map { $0.x + $0.width }.max()!, maxY = boxes.map { $0.y + $0.height }.max()!
            return Diagnosis.Bag(bag: bag, score: Double(bagScores[bag]),
                                 region: Diagnosis.Region(x: minX, y: minY, width: maxX - minX, height: maxY - minY), topWords: words)
        }
        return Diagnosis(slide: slide, predictedClass: classNames[label], predictedLabel: label,
                         probabilities: Dictionary(uniqueKeysWithValues: zip(classNames, probabilities)),
                         bagSize: features.scale.bagSize, wordSize: features.scale.wordSize, topBags: bags)
    }

    /// Indices of the `count` largest values, largest first (earlier index on ties).
    static func largest(_ values: [Float], count: Int) -> [Int] {
        Array(values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(count))
    }
}
