import Foundation
import Slides
import TensorKit
import Testing
import TestSupport

/// Layout order, streaming equivalence, aspect handling and tissue flags of `WordGridExtractor`.
@Suite struct WordGridTests {
    @Test func bagsAndWordsAreNumberedColumnByColumn() throws {
        // A 12 × 12 image of 2 × 2 bags of 2 × 2 words of 3 × 3 pixels; each word's red value
        // encodes its grid column and green its grid row.
        var image = RGBImage(width: 12, height: 12)
        for y in 0..<12 {
            for x in 0..<12 {
                image.pixels[(y * 12 + x) * 3] = UInt8(x / 3 * 10)
                image.pixels[(y * 12 + x) * 3 + 1] = UInt8(y / 3 * 10)
            }
        }
        let source = ImageSource(url: URL(fileURLWithPath: "/virtual/order.png"), image: image, format: "png")
        let grid = try WordGridExtractor(bagSize: 6, wordSize: 3).extract(from: source)
        #expect(grid.words.shape == [4, 4, 3, 3, 3])   // [bags, words, 3 rows, 3 columns, 3 channels]
        let red = ImageNetNormalization.table, green = Array(ImageNetNormalization.table[256...])
        for bag in 0..<4 {
            for word in 0..<4 {
                let column = (bag / 2) * 2 + word / 2, row = (bag % 2) * 2 + word % 2
                let base = (bag * 4 + word) * 27
                #expect(grid.words.scalars[base] == red[column * 10], "bag \(bag) word \(word) column")
                #expect(grid.words.scalars[base + 1] == green[row * 10], "bag \(bag) word \(word) row")
                // The reference's layout puts each channel's 3 × 3 plane after the other.
                #expect(grid.channelsFirstWords.scalars[base] == red[column * 10], "bag \(bag) word \(word) column, CHW")
                #expect(grid.channelsFirstWords.scalars[base + 9] == green[row * 10], "bag \(bag) word \(word) row, CHW")
            }
        }
        #expect(grid.geometry.wordRegions[1] == SlideRectangle(x: 0, y: 3, width: 3, height: 3))
    }

    /// A training view, streamed bag by bag, equals cutting the whole transformed grid image with
    /// the plain extractor (a 12² image, 2 × 2 bags: the grid resize is the identity).
    @Test func trainingViewIsTheTransformedGridCutBagByBag() throws {
        var image = RGBImage(width: 12, height: 12)
        for index in image.pixels.indices { image.pixels[index] = UInt8((index * 37 + index / 36 * 11) % 256) }
        let source = ImageSource(url: URL(fileURLWithPath: "/virtual/view.png"), image: image, format: "png")
        let extractor = WordGridExtractor(bagSize: 6, wordSize: 3)
        let untransformed = try extractor.extract(from: source)
        var changedViews = 0
        for seed: UInt64 in 0..<8 {
            var generator = SeededGenerator(seed: seed)
            var bags: [WordBag] = []
            try extractor.forEachBag(in: source, transform: RandomTransform(), generator: &generator) { bags.append($0) }
            var replay = SeededGenerator(seed: seed)
            let transformed = RandomTransform().apply(to: try extractor.gridImage(from: source), generator: &replay)
            let reference = try extractor.extract(from: ImageSource(url: source.url, image: transformed, format: "png"))
            #expect(bags.map(\.index) == Array(0..<4))
            #expect(bags.flatMap(\.words.scalars) == reference.words.scalars, "seed \(seed)")
            #expect(bags.flatMap(\.wordRegions) == untransformed.geometry.wordRegions, "regions describe the untransformed grid")
            #expect(generator.stateWords == replay.stateWords)
            var again = SeededGenerator(seed: seed)
            #expect(try extractor.extract(from: source, transform: RandomTransform(), generator: &again).words.scalars
                    == reference.words.scalars)
            if reference.words.scalars != untransformed.words.scalars { changedViews += 1 }
        }
        #expect(changedViews >= 4, "most seeds flip, rotate or crop")
    }

    @Test func streamingEqualsResizingTheWholeChosenLevel() throws {
        let slide = try openSlide(SyntheticSlideFixture.url)
        let extractor = WordGridExtractor(bagSize: 96, wordSize: 32)
        let placement = try extractor.placement(for: slide)
        #expect(placement.level == 1, "a 288² grid reads level 1 (512 × 384); level 2 (256 × 192) is too small")
        var streamed: [Float] = []
        var indices: [Int] = []
        try extractor.forEachBag(in: slide) { bag in
            indices.append(bag.index)
            streamed += bag.words.scalars
        }
        #expect(indices == Array(0..<9))
        // The same algorithm on the whole level loaded at once.
        let level = try slide.readLevel(placement.level)
        let whole = ImageSource(url: slide.url, image: level, format: "level")
        let reference = try WordGridExtractor(bagSize: 96, wordSize: 32, options: WordGridOptions(level: .level(0))).extract(from: whole)
        expectClose(streamed, reference.words.scalars, tolerance: Tolerance(absolute: 0.03), "streamed vs whole level",
                    shape: reference.words.shape)
    }

    @Test func keepAspectCentresTheSlideOnWhite() throws {
        let image = RGBImage(width: 40, height: 20, filledWith: (0, 0, 0))
        let source = ImageSource(url: URL(fileURLWithPath: "/virtual/wide.png"), image: image, format: "png")
        let extractor = WordGridExtractor(bagSize: 8, wordSize: 4, options: WordGridOptions(keepAspect: true))
        let placement = try extractor.placement(for: source)
        #expect(placement.content == PixelRectangle(x: 0, y: 4, width: 16, height: 8))
        let grid = try extractor.extract(from: source)
        // Word 0 of bag 0 (top-left) lies on padding: white, empty region; word 1 of bag 0 is on the slide.
        #expect(grid.words.scalars[0] == ImageNetNormalization.table[255])
        #expect(grid.geometry.wordRegions[0].isEmpty)
        #expect(grid.words.scalars[48] == ImageNetNormalization.table[0])
        #expect(grid.geometry.wordRegions[1] == SlideRectangle(x: 0, y: 0, width: 10, height: 10))
    }

    @Test func micronsPerPixelPicksTheMatchingLevel() throws {
        let slide = try openSlide(SyntheticSlideFixture.url)
        #expect(slide.micronsPerPixel == MicronsPerPixel(x: 0.5, y: 0.5))
        let extractor = WordGridExtractor(bagSize: 64, wordSize: 32, options: WordGridOptions(level: .micronsPerPixel(2.0)))
        #expect(try extractor.placement(for: slide).level == 2)
        let plain = ImageSource(url: URL(fileURLWithPath: "/virtual/plain.png"), image: RGBImage(width: 8, height: 8), format: "png")
        #expect(throws: SlideError.self) { try extractor.placement(for: plain) }
    }

    @Test func tissueDetectionSeparatesTissueFromGlass() throws {
        let slide = try openSlide(SyntheticSlideFixture.url)
        let grid = try WordGridExtractor(bagSize: 96, wordSize: 32, options: WordGridOptions(detectTissue: true)).extract(from: slide)
        let flags = try #require(grid.isTissue)
        let tissue = flags.filter { $0 }.count
        print("tissue words: \(tissue) of \(flags.count)")
        #expect(tissue > flags.count / 5 && tissue < flags.count * 9 / 10)
        // The grid's top-left word is glass (tissue pieces keep a margin from the slide edge).
        #expect(flags[0] == false)
    }

    @Test func otsuSplitsABimodalHistogram() {
        var histogram = [Int](repeating: 0, count: 256)
        histogram[10] = 500
        histogram[12] = 300
        histogram[150] = 400
        histogram[160] = 200
        let threshold = TissueMask.otsuThreshold(histogram: histogram)
        #expect(threshold >= 12 && threshold < 150)
    }
}
