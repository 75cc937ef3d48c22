import Checkpoints
import Foundation
import Slides
import Testing

/// Words of `images/ihc.png` against the reference pipeline (`convert_image_to_words`, OpenCV
/// resize, ImageNet normalisation, column-major bag/word order).
@Suite struct ReferenceWordsTests {
    @Test(arguments: [(96, 32), (192, 64)])
    func wordsMatchTheReference(bagSize: Int, wordSize: Int) throws {
        let source = try openSlide(FixturePaths.image("ihc.png"))
        let grid = try WordGridExtractor(bagSize: bagSize, wordSize: wordSize).extract(from: source)
        let reference = try SafeTensorsFile(url: FixturePaths.reference("words_ihc_bag\(bagSize)_word\(wordSize).safetensors"))
            .tensor(named: "words")
        #expect(grid.words.shape == reference.shape)
        var maxDifference: Float = 0
        for (ours, theirs) in zip(grid.words.scalars, reference.scalars) {
            maxDifference = max(maxDifference, abs(ours - theirs))
        }
        print("words bag \(bagSize) word \(wordSize): max |Swift − reference| = \(maxDifference)")
        #expect(maxDifference <= 0.03)
    }
}
