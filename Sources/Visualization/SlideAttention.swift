import Slides
import TensorKit

/// HATNet's attention on one slide, placed on the slide: each bag's and word's rectangle in level-0
/// slide pixels with its score.
///
/// Bags and words keep the model's order — the reference's column-major grid order (bag =
/// column · rows + row, and likewise for words inside a bag); word `w` of bag `b` is item
/// `b · wordsPerBag + w` of the flat word arrays.
public struct SlideAttention: Sendable {
    /// Level-0 size of the slide.
    public let slideWidth: Int
    public let slideHeight: Int
    /// Words per bag (`Nw`).
    public let wordsPerBag: Int
    /// Each word's area in level-0 pixels (empty for words on grid padding), `Nb · Nw` of them.
    public let wordRegions: [SlideRectangle]
    /// Each bag's area: the bounding box of its non-empty words (empty when all are padding).
    public let bagRegions: [SlideRectangle]
    /// HATNet's unnormalised word energies (`AttentionScores.wordScores`), indexed like `wordRegions`.
    public let wordScores: [Float]
    /// HATNet's unnormalised bag energies (`AttentionScores.bagScores`), one per bag.
    public let bagScores: [Float]

    /// - Precondition: `wordRegions.count == wordScores.count == bagScores.count · wordsPerBag`.
    public init(slideWidth: Int, slideHeight: Int, wordsPerBag: Int, wordRegions: [SlideRectangle],
                wordScores: [Float], bagScores: [Float]) {
        precondition(wordsPerBag > 0 && wordRegions.count == bagScores.count * wordsPerBag && wordScores.count == wordRegions.count,
                     "SlideAttention: \(bagScores.count) bag scores × \(wordsPerBag) words per bag need as many word "
                     + "regions and scores, got \(wordRegions.count) regions and \(wordScores.count) scores")
        self.slideWidth = slideWidth
        self.slideHeight = slideHeight
        self.wordsPerBag = wordsPerBag
        self.wordRegions = wordRegions
        self.wordScores = wordScores
        self.bagScores = bagScores
        bagRegions = (0..<bagScores.count).map { bag in
            Self.boundingBox(of: wordRegions[bag * wordsPerBag..<(bag + 1) * wordsPerBag].filter { !$0.isEmpty })
        }
    }

    /// Attention from the model's score tensors: `wordScores` `[Nb, Nw]` or `[1, Nb, Nw]`, `bagScores`
    /// `[Nb]` or `[1, Nb]` (one slide of `AttentionScores`).
    public init(slideWidth: Int, slideHeight: Int, wordRegions: [SlideRectangle], wordScores: Tensor, bagScores: Tensor) {
        let wordShape = wordScores.shape.first == 1 && wordScores.rank == 3 ? Array(wordScores.shape.dropFirst()) : wordScores.shape
        let bagShape = bagScores.shape.first == 1 && bagScores.rank == 2 ? Array(bagScores.shape.dropFirst()) : bagScores.shape
        precondition(wordShape.count == 2 && bagShape == [wordShape[0]],
                     "SlideAttention: word scores \(wordScores.shape) and bag scores \(bagScores.shape) do not describe one slide")
        self.init(slideWidth: slideWidth, slideHeight: slideHeight, wordsPerBag: wordShape[1], wordRegions: wordRegions,
                  wordScores: wordScores.scalars, bagScores: bagScores.scalars)
    }

    /// Attention with word rectangles given as a `[Nb, Nw, 4]` tensor of level-0 (x, y, width,
    /// height), as `hatnet words` and the feature cache store them.
    public init(slideWidth: Int, slideHeight: Int, wordRegionTensor: Tensor, wordScores: Tensor, bagScores: Tensor) {
        precondition(wordRegionTensor.rank == 3 && wordRegionTensor.shape[2] == 4,
                     "SlideAttention: word regions must be [Nb, Nw, 4], got \(wordRegionTensor.shape)")
        let values = wordRegionTensor.scalars
        let rectangles = stride(from: 0, to: values.count, by: 4).map { offset in
            SlideRectangle(x: Double(values[offset]), y: Double(values[offset + 1]),
                           width: Double(values[offset + 2]), height: Double(values[offset + 3]))
        }
        self.init(slideWidth: slideWidth, slideHeight: slideHeight, wordRegions: rectangles, wordScores: wordScores, bagScores: bagScores)
    }

    /// Number of bags (`Nb`).
    public var bagCount: Int { bagScores.count }

    private static func boundingBox(of rectangles: [SlideRectangle]) -> SlideRectangle {
        guard let first = rectangles.first else { return SlideRectangle(x: 0, y: 0, width: 0, height: 0) }
        var left = first.x, top = first.y, right = first.x + first.width, bottom = first.y + first.height
        for rectangle in rectangles.dropFirst() {
            left = min(left, rectangle.x)
            top = min(top, rectangle.y)
            right = max(right, rectangle.x + rectangle.width)
            bottom = max(bottom, rectangle.y + rectangle.height)
        }
        return SlideRectangle(x: left, y: top, width: right - left, height: bottom - top)
    }
}
