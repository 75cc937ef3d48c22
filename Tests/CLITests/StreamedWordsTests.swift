import Checkpoints
import Foundation
import Slides
import TensorKit
import Testing
import TestSupport

/// `hatnet words` streams bags into its file; the file must hold exactly what the library's
/// whole-grid extraction gives (words, rectangles, tissue fractions).
@Suite struct StreamedWordsTests {
    @Test func streamedWordsFileEqualsTheExtractedGrid() throws {
        let directory = try TemporaryDirectory()
        let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images/ihc.png")
        let outcome = try CommandLineHarness.run(["words", image.path, "--bag", "96", "--word", "32", "--tissue",
                                                  "--output", "w.safetensors"], in: directory.url)
        #expect(outcome.status == 0, "words failed: \(outcome.stderr)")
        let file = try SafeTensorsFile(url: directory.file("w.safetensors"))
        let grid = try WordGridExtractor(bagSize: 96, wordSize: 32, options: WordGridOptions(detectTissue: true))
            .extract(from: try openSlide(image))
        // The file holds the reference's channel-first layout; the library's words are channels-last.
        #expect(try file.tensor(named: "words").shape == grid.channelsFirstWords.shape)
        #expect(try file.tensor(named: "words").scalars == grid.channelsFirstWords.scalars)
        #expect(try file.tensor(named: "word_regions").scalars == grid.geometry.tensor.scalars)
        #expect(try file.tensor(named: "tissue_fraction").scalars == grid.tissueFractionTensor?.scalars)
        #expect(file.metadata["bag_size"] == "96" && file.metadata["word_size"] == "32")
    }

    @Test func aSmallImageInABigGridIsWarnedAbout() throws {
        let directory = try TemporaryDirectory()
        let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/images/ihc_crop.jpg")
        let outcome = try CommandLineHarness.run(["words", image.path, "--bag", "1024", "--word", "256",
                                                  "--output", "w.safetensors"], in: directory.url)
        #expect(outcome.status == 0, "words failed: \(outcome.stderr)")
        #expect(outcome.stderr.contains("warning:") && outcome.stderr.contains("enlarged"), "\(outcome.stderr)")
    }
}
