import Checkpoints
import Foundation
import Slides
import TensorKit
import Testing
import TestSupport

/// Words of `images/ihc.png` against the reference pipeline (`convert_image_to_words`, OpenCV
/// resize, ImageNet normalisation, column-major bag/word order).
@Suite struct ReferenceWordsTests {
    @Test(arguments: [(96, 32), (192, 64)])
    func wordsMatchTheReference(bagSize: Int, wordSize: Int) throws {
        let source = try openSlide(FixturePaths.image("ihc.png"))
        let grid = try WordGridExtractor(bagSize: bagSize, wordSize: wordSize).extract(from: source)
        let reference = try SafeTensorsFile(url: FixturePaths.reference("words_ihc_bag\(bagSize)_word\(wordSize).safetensors"))
            .tensor(named: "words")
        // The reference's layout, [bags, words, 3, word, word]; ours is channels-last until a file is written.
        expectClose(grid.channelsFirstWords, reference, tolerance: Tolerance(absolute: 0.03), "words bag \(bagSize) word \(wordSize)")
    }
}
