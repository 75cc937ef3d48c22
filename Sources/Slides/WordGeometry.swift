import Foundation
import TensorKit

/// Where every word and bag of a slide's grid lies on the slide, in level-0 pixels: the one
/// geometry type that travels with the words from the grid (``WordGrid``) through the features
/// (`WordFeatures`) to the diagnosis and the attention figures.
///
/// Words are indexed `bag · wordsPerBag + word` in the reference's column-major order. A word on
/// grid padding (with `keepAspect`) has an empty rectangle. A bag's rectangle is the bounding box
/// of its non-empty words — the padding words are left out, so a bag at the edge of a padded grid
/// covers only slide pixels — and is computed once, here, for every consumer.
public struct WordGeometry: Sendable, Equatable {
    /// Bags per slide (Nb).
    public let bagCount: Int
    /// Words per bag (Nw).
    public let wordsPerBag: Int
    /// `Nb · Nw` word rectangles.
    public let wordRegions: [SlideRectangle]
    /// `Nb` bag rectangles (bounding boxes of the bags' non-empty words; empty when all are padding).
    public let bagRegions: [SlideRectangle]

    /// - Precondition: `wordRegions.count == bagCount · wordsPerBag`.
    public init(bagCount: Int, wordsPerBag: Int, wordRegions: [SlideRectangle]) {
        precondition(bagCount >= 0 && wordsPerBag > 0 && wordRegions.count == bagCount * wordsPerBag,
                     "WordGeometry: \(wordRegions.count) word rectangles for \(bagCount) bags of \(wordsPerBag) words")
        self.bagCount = bagCount
        self.wordsPerBag = wordsPerBag
        self.wordRegions = wordRegions
        bagRegions = (0..<bagCount).map { bag in
            SlideRectangle.boundingBox(of: wordRegions[(bag * wordsPerBag)..<((bag + 1) * wordsPerBag)].filter { !$0.isEmpty })
        }
    }

    /// The geometry stored in a file as a `[Nb, Nw, 4]` tensor of (x, y, width, height) rows, as
    /// `hatnet words` and the feature cache write it (`word_regions`).
    /// - Throws: ``WordGeometryError`` when the shape is wrong or a value is not finite or a size
    ///   is negative; `source` names the file in the message.
    public init(tensor: Tensor, source: String) throws {
        guard tensor.rank == 3, tensor.shape[2] == 4, tensor.shape[1] > 0 else {
            throw WordGeometryError("\(source): word_regions has shape \(tensor.shape), expected [bags, words, 4]")
        }
        try tensor.requireFinite("\(source): tensor 'word_regions'")
        let values = tensor.scalars
        var rectangles: [SlideRectangle] = []
        rectangles.reserveCapacity(values.count / 4)
        for offset in stride(from: 0, to: values.count, by: 4) {
            guard values[offset + 2] >= 0, values[offset + 3] >= 0 else {
                throw WordGeometryError("\(source): word_regions row \(offset / 4) has a negative width or height "
                                        + "(\(values[offset + 2]) × \(values[offset + 3]))")
            }
            rectangles.append(SlideRectangle(x: Double(values[offset]), y: Double(values[offset + 1]),
                                             width: Double(values[offset + 2]), height: Double(values[offset + 3])))
        }
        self.init(bagCount: tensor.shape[0], wordsPerBag: tensor.shape[1], wordRegions: rectangles)
    }

    /// The `[Nb, Nw, 4]` tensor of (x, y, width, height) rows that files store.
    public var tensor: Tensor {
        Tensor(shape: [bagCount, wordsPerBag, 4], scalars: wordRegions.regionScalars)
    }

    /// Word `word` of bag `bag`.
    public func wordRegion(bag: Int, word: Int) -> SlideRectangle { wordRegions[bag * wordsPerBag + word] }
}

/// Word rectangles read from a file that cannot be a grid's geometry.
public struct WordGeometryError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
