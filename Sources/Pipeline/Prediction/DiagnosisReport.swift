import Slides

/// The summary of a ``Diagnosis`` that `hatnet predict` writes per slide: class, probabilities and
/// the bags and words of highest attention with their places on the slide.
/// Rectangles are ``Slides/SlideRectangle``s (level-0 pixels) from the features' ``Slides/WordGeometry``;
/// a bag's rectangle is the bounding box of its words that lie on the slide (padding words excluded),
/// the same rectangle `hatnet visualize` draws and writes.
public struct DiagnosisReport: Codable, Equatable, Sendable {
    /// A word of a top bag, by its unnormalised energy (``AttentionScores/wordScores``).
    public struct Word: Codable, Equatable, Sendable {
        /// Index within its bag (reference order).
        public let word: Int
        public let score: Double
        public let region: SlideRectangle
    }

    /// A bag by its unnormalised energy (``AttentionScores/bagScores``), with its top words.
    public struct Bag: Codable, Equatable, Sendable {
        /// Index in the grid (reference order: column · n + row).
        public let bag: Int
        public let score: Double
        /// The bounding box of the bag's words that lie on the slide.
        public let region: SlideRectangle
        public let topWords: [Word]

        enum CodingKeys: String, CodingKey { case bag, score, region, topWords = "top_words" }
    }

    /// The slide file.
    public let slide: String
    /// Name of the most probable class.
    public let predictedClass: String
    /// Its index.
    public let predictedLabel: Int
    /// Softmax of the logits, by class name.
    public let probabilities: [String: Double]
    /// The scale the slide was read at.
    public let bagSize: Int
    public let wordSize: Int
    /// Bags with the highest energies, highest first.
    public let topBags: [Bag]

    enum CodingKeys: String, CodingKey {
        case slide, predictedClass = "predicted_class", predictedLabel = "predicted_label", probabilities
        case bagSize = "bag_size", wordSize = "word_size", topBags = "top_bags"
    }
}
