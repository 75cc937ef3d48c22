/// A slide's diagnosis and where the model looked: what `hatnet predict` writes per slide.
public struct Diagnosis: Codable, Equatable, Sendable {
    /// A rectangle in level-0 slide pixels.
    public struct Region: Codable, Equatable, Sendable {
        public let x: Double, y: Double, width: Double, height: Double
    }

    /// A word of a top bag, by its unnormalised energy (``AttentionScores/wordScores``).
    public struct Word: Codable, Equatable, Sendable {
        /// Index within its bag (reference order).
        public let word: Int
        public let score: Double
        public let region: Region
    }

    /// A bag by its unnormalised energy (``AttentionScores/bagScores``), with its top words.
    public struct Bag: Codable, Equatable, Sendable {
        /// Index in the grid (reference order: column · n + row).
        public let bag: Int
        public let score: Double
        /// The bounding box of the bag's words.
        public let region: Region
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
