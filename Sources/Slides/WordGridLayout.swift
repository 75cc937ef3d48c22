import Foundation

/// The geometry of the reference's bag and word grid.
///
/// With `n = bagSize / wordSize`, the image is resized to a square of `gridSize = bagSize · n`
/// pixels, cut into `n × n` bags of `n × n` words. The ORDER is the reference's (HATNet
/// `convert_image_to_words`): bags are enumerated column by column (`bag = column · n + row`), and
/// the words inside a bag the same way. Checkpoints trained by the reference depend on this order.
public struct WordGridLayout: Sendable, Equatable {
    /// Side of a bag, in grid pixels.
    public let bagSize: Int
    /// Side of a word, in grid pixels.
    public let wordSize: Int

    /// The largest grid side (`bagSize · bagSize / wordSize`) accepted from input: 65,536 pixels,
    /// five times the authors' 12,544 (bag 1792, word 256). Larger grids mean billions of words
    /// or pixels to resample and are refused before any work starts.
    public static let maximumGridSize = 65_536

    /// The grid used unless one is asked for: bag 1024, word 256 (4 × 4 bags of 4 × 4 words), the
    /// default of the reference's `config/opts.py`. (Its released models used bag 1792.)
    public static let standard = WordGridLayout(bagSize: 1024, wordSize: 256)

    /// A layout from sizes given by a user or a file: checked, never trapping.
    /// - Throws: ``GridLayoutError`` when a size is not positive, the bag is not a multiple of the
    ///   word, or the grid would exceed ``maximumGridSize``.
    public init(validatingBagSize bagSize: Int, wordSize: Int) throws {
        guard bagSize > 0, wordSize > 0 else {
            throw GridLayoutError("bag size \(bagSize) and word size \(wordSize) must both be positive")
        }
        guard bagSize % wordSize == 0 else {
            throw GridLayoutError("bag size \(bagSize) is not a multiple of word size \(wordSize)")
        }
        let perSide = bagSize / wordSize
        let (grid, overflow) = bagSize.multipliedReportingOverflow(by: perSide)
        guard !overflow, grid <= Self.maximumGridSize else {
            throw GridLayoutError("bag size \(bagSize) with word size \(wordSize) makes a grid of \(perSide)×\(perSide) bags of "
                                  + "\(perSide)×\(perSide) words, \(overflow ? "more than 2^63" : String(grid)) pixels a side; at most "
                                  + "\(Self.maximumGridSize) are allowed (bag · bag / word; the authors use 1792 · 1792 / 256 = 12544)")
        }
        self.init(bagSize: bagSize, wordSize: wordSize)
    }

    /// A layout; `bagSize` must be a positive multiple of `wordSize` (use
    /// ``init(validatingBagSize:wordSize:)`` for sizes from input).
    public init(bagSize: Int, wordSize: Int) {
        precondition(wordSize > 0 && bagSize > 0 && bagSize % wordSize == 0,
                     "WordGridLayout: bag size \(bagSize) must be a positive multiple of word size \(wordSize)")
        self.bagSize = bagSize
        self.wordSize = wordSize
    }

    /// Words along one side of a bag, which is also the number of bags along one side of the grid.
    public var wordsPerSide: Int { bagSize / wordSize }
    /// Bags along one side of the grid (the reference uses `bagSize / wordSize`).
    public var bagsPerSide: Int { wordsPerSide }
    /// Side of the whole resized image.
    public var gridSize: Int { bagSize * bagsPerSide }
    /// Number of bags (`n²`).
    public var bagCount: Int { bagsPerSide * bagsPerSide }
    /// Number of words in a bag (`n²`).
    public var wordsPerBag: Int { wordsPerSide * wordsPerSide }

    /// The bag's square in grid pixels; bags are numbered column by column.
    public func bagRectangle(_ bag: Int) -> PixelRectangle {
        precondition(bag >= 0 && bag < bagCount, "WordGridLayout: bag \(bag) out of range 0..<\(bagCount)")
        return PixelRectangle(x: (bag / bagsPerSide) * bagSize, y: (bag % bagsPerSide) * bagSize,
                              width: bagSize, height: bagSize)
    }

    /// The word's square inside its bag (bag-relative pixels); words are numbered column by column.
    public func wordRectangleInBag(_ word: Int) -> PixelRectangle {
        precondition(word >= 0 && word < wordsPerBag, "WordGridLayout: word \(word) out of range 0..<\(wordsPerBag)")
        return PixelRectangle(x: (word / wordsPerSide) * wordSize, y: (word % wordsPerSide) * wordSize,
                              width: wordSize, height: wordSize)
    }

    /// The word's square in grid pixels.
    public func wordRectangle(bag: Int, word: Int) -> PixelRectangle {
        let bagSquare = bagRectangle(bag), wordSquare = wordRectangleInBag(word)
        return PixelRectangle(x: bagSquare.x + wordSquare.x, y: bagSquare.y + wordSquare.y,
                              width: wordSize, height: wordSize)
    }
}

/// Bag and word sizes, or grid options, that do not make a usable grid; the message says why.
public struct GridLayoutError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
