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

    /// A layout; `bagSize` must be a positive multiple of `wordSize`.
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
