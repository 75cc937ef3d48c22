import Dispatch
import Foundation
import TensorKit

/// Turns a slide into HATNet's bags and words (reference: `convert_image_to_words` in
/// data_loader/data_utils/bag_word_extractor.py), streaming from a pyramid level instead of loading
/// level 0.
///
/// Each bag is rendered on its own: only the source pixels of the chosen level that the bag's
/// bilinear resize reads are fetched, so memory stays at a few bags whatever the slide size, and
/// the result equals a resize of the whole level (``BilinearResizer``).
public struct WordGridExtractor: Sendable {
    public let layout: WordGridLayout
    public let options: WordGridOptions

    /// An extractor for bags of `bagSize²` pixels and words of `wordSize²` (`bagSize` must be a
    /// multiple of `wordSize`; the grid then has `(bagSize/wordSize)²` bags).
    public init(bagSize: Int, wordSize: Int, options: WordGridOptions = WordGridOptions()) {
        self.layout = WordGridLayout(bagSize: bagSize, wordSize: wordSize)
        self.options = options
    }

    /// The level and grid placement used for `source`.
    public func placement(for source: any SlideSource) throws -> GridPlacement {
        try GridPlacement(source: source, layout: layout, options: options)
    }

    /// Calls `body` once per bag, in the reference order (bag 0, 1, …). Bags are computed a few at
    /// a time on all cores; at most `coreCount` bags are held at once.
    public func forEachBag(in source: any SlideSource, _ body: (WordBag) throws -> Void) throws {
        let batchSize = ParallelLoop.workerCount
        try requireMemory(forBagsAtOnce: batchSize, source: source)
        let placement = try placement(for: source)
        let mask = options.detectTissue ? try TissueMask.detect(in: source) : nil
        for batchStart in stride(from: 0, to: layout.bagCount, by: batchSize) {
            let batch = batchStart..<min(layout.bagCount, batchStart + batchSize)
            let results = ConcurrentResults<WordBag>(count: batch.count)
            DispatchQueue.concurrentPerform(iterations: batch.count) { offset in
                results.store(at: offset) {
                    try makeBag(batch.lowerBound + offset, source: source, placement: placement, mask: mask)
                }
            }
            for bag in try results.values() { try body(bag) }
        }
    }

    /// The whole grid at once: `[bags, words, word, word, 3]` (for the authors' setting, bag 1792
    /// and word 256, that is 1.9 GB of floats; prefer ``forEachBag(in:_:)`` for large grids).
    public func extract(from source: any SlideSource) throws -> WordGrid {
        try collectGrid(of: source) { try forEachBag(in: source, $0) }
    }

    /// The grid for training: the resized image (`gridSize²`) goes through `transform` (seeded
    /// flip, rotation, crop-and-rescale, as the reference's `random_transform_np`) before it is cut.
    /// Word regions and tissue fractions describe the untransformed grid.
    public func extract(from source: any SlideSource, transform: RandomTransform,
                        generator: inout SeededGenerator) throws -> WordGrid {
        try collectGrid(of: source) { try forEachBag(in: source, transform: transform, generator: &generator, $0) }
    }

    /// The bags `forEachBag` yields (in order), gathered into one ``WordGrid``.
    private func collectGrid(of source: any SlideSource,
                             _ forEachBag: ((WordBag) throws -> Void) throws -> Void) throws -> WordGrid {
        let shape = [layout.bagCount, layout.wordsPerBag, layout.wordSize, layout.wordSize, 3]
        let count = try MemoryBudget.require(shape: shape,
                                             for: "\(source.url.path): the whole word grid of bag \(layout.bagSize), word \(layout.wordSize)")
        var scalars: [Float] = []
        scalars.reserveCapacity(count)
        var regions: [SlideRectangle] = [], fractions: [Float] = []
        try forEachBag { bag in
            scalars += bag.words.scalars
            regions += bag.wordRegions
            fractions += bag.tissueFractions ?? []
        }
        return WordGrid(layout: layout, level: try placement(for: source).level,
                        words: Tensor(shape: shape, scalars: scalars),
                        wordRegions: regions, tissueFractions: options.detectTissue ? fractions : nil,
                        minimumTissueFraction: options.minimumTissueFraction)
    }

    /// The bags of a training view, in the reference order: the transform needs the whole resized
    /// image (RGB bytes, 0.47 GB for the authors' 12544² grid, twice while it is transformed), but
    /// the float words are made one bag at a time (38 MB) instead of for the whole grid (1.9 GB).
    public func forEachBag(in source: any SlideSource, transform: RandomTransform, generator: inout SeededGenerator,
                           _ body: (WordBag) throws -> Void) throws {
        // The grid image, its transformed copy, and one bag at a time.
        try MemoryBudget.require(shape: [2 * layout.gridSize + 16 * layout.bagSize, layout.gridSize, 3], elementSize: 1,
                                 for: "\(source.url.path): a training view of the \(layout.gridSize)² grid of bag \(layout.bagSize), word \(layout.wordSize)")
        let placement = try placement(for: source)
        let image = transform.apply(to: try gridImage(from: source), generator: &generator)
        let mask = options.detectTissue ? try TissueMask.detect(in: source) : nil
        for bag in 0..<layout.bagCount {
            let square = layout.bagRectangle(bag)
            let bagImage = image.cropped(x: square.x, y: square.y, width: square.width, height: square.height)
            try body(wordBag(bag, image: bagImage, placement: placement, mask: mask))
        }
    }

    /// The resized slide, `gridSize × gridSize` RGB, rendered bag by bag.
    public func gridImage(from source: any SlideSource) throws -> RGBImage {
        try MemoryBudget.require(shape: [layout.gridSize, layout.gridSize, 3], elementSize: 1,
                                 for: "\(source.url.path): the \(layout.gridSize)² grid image of bag \(layout.bagSize), word \(layout.wordSize)")
        let placement = try placement(for: source)
        var image = RGBImage(width: layout.gridSize, height: layout.gridSize)
        for bag in 0..<layout.bagCount {
            let square = layout.bagRectangle(bag)
            image.paste(try placement.render(square, from: source), x: square.x, y: square.y)
        }
        return image
    }

    /// Checks that `bags` bags can be held at once: each bag's pixels (RGB bytes), its float words,
    /// and the source region its resize reads (at most about twice the bag per side when downscaling).
    private func requireMemory(forBagsAtOnce bags: Int, source: any SlideSource) throws {
        let side = layout.bagSize
        guard let pixels = MemoryBudget.checkedProduct([side, side]),
              let perBag = MemoryBudget.checkedProduct([pixels, 3 + 3 * MemoryLayout<Float>.size + 3 * 4]),
              let total = MemoryBudget.checkedProduct([perBag, max(1, bags)]) else {
            throw SizeLimitError(what: "\(source.url.path): bags of \(side)² pixels", bytesNeeded: nil, bytesAllowed: MemoryBudget.limitBytes)
        }
        try MemoryBudget.require(bytes: total, for: "\(source.url.path): \(bags) bag(s) of \(side)² pixels at once (bag \(layout.bagSize), word \(layout.wordSize))")
    }

    private func makeBag(_ index: Int, source: any SlideSource, placement: GridPlacement, mask: TissueMask?) throws -> WordBag {
        wordBag(index, image: try placement.render(layout.bagRectangle(index), from: source), placement: placement, mask: mask)
    }

    /// Bag `index` from its pixels: normalised words, their slide rectangles and tissue fractions.
    private func wordBag(_ index: Int, image bagImage: RGBImage, placement: GridPlacement, mask: TissueMask?) -> WordBag {
        let words = ImageNetNormalization.words(ofBag: bagImage, layout: layout)
        let regions = wordRegions(ofBag: index, placement: placement)
        return WordBag(index: index,
                       words: Tensor(shape: [layout.wordsPerBag, layout.wordSize, layout.wordSize, 3], scalars: words),
                       wordRegions: regions, tissueFractions: mask.map { mask in regions.map(mask.tissueFraction(in:)) })
    }

    private func wordRegions(ofBag bag: Int, placement: GridPlacement) -> [SlideRectangle] {
        (0..<layout.wordsPerBag).map { placement.slideRectangle(ofGrid: layout.wordRectangle(bag: bag, word: $0)) }
    }
}

/// Results of a `concurrentPerform` loop, each slot written by exactly one iteration.
final class ConcurrentResults<Value>: @unchecked Sendable {
    private var slots: [Result<Value, Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Runs `work` and stores its value or error in slot `index`.
    func store(at index: Int, _ work: () throws -> Value) {
        let result = Result { try work() }
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    /// All values in slot order, or the first error.
    func values() throws -> [Value] {
        try slots.map { slot in
            guard let slot else { preconditionFailure("ConcurrentResults: a slot was never filled") }
            return try slot.get()
        }
    }
}
