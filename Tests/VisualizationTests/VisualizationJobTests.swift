import Checkpoints
import Foundation
import Slides
import Synthesis
import TensorKit
import TestSupport
import Testing
@testable import Visualization

/// `hatnet visualize`'s job end to end on a synthetic slide with known lesions, from a scores file
/// like `hatnet attend` writes, with GeoJSON and with label-mask annotations.
@Suite struct VisualizationJobTests {
    @Test func syntheticSlideWithOracleScoresCoversItsLesionsBetterThanRandom() throws {
        let directory = try TemporaryDirectory()
        let slide = SyntheticSlide(width: 1024, height: 768, diagnosticClass: .dcis, seed: 3)
        try SyntheticCohort.writeSlide(slide, imageID: "slide", in: directory.url)
        try AnnotationGeoJSON.write(slide.lesions, to: directory.file("slide.geojson"))
        let downsample = slide.maskDownsample(maxDimension: 256)
        let lesionMask = slide.lesionMask(downsample: downsample)
        try PNGImage.writeGray(lesionMask.values, width: lesionMask.width, height: lesionMask.height, to: directory.file("slide_mask.png"))

        // Scores for bag 64, word 16 (4×4 bags of 4×4 words): each word scores its lesion area, so the
        // ranking is an oracle; bags score the sum of their words.
        let source = try openSlide(directory.file("slide.tiff"))
        let layout = WordGridLayout(bagSize: 64, wordSize: 16)
        let placement = try GridPlacement(source: source, layout: layout, options: WordGridOptions())
        let raster = SlideRaster(width: 1024, height: 768, slideWidth: 1024, slideHeight: 768)
        let truth = AnnotationMask(annotations: try GeoJSONAnnotationReader.read(contentsOf: directory.file("slide.geojson")), raster: raster)
        let regions = (0..<layout.bagCount).flatMap { bag in
            (0..<layout.wordsPerBag).map { placement.slideRectangle(ofGrid: layout.wordRectangle(bag: bag, word: $0)) }
        }
        let wordScores = regions.map { Float(truth.annotatedPixelCount(in: $0)) }
        let bagScores = (0..<layout.bagCount).map { bag in wordScores[bag * 16..<(bag + 1) * 16].reduce(0, +) }
        var writer = SafeTensorsWriter(metadata: ["producer": "test"])
        writer.add(Tensor(shape: [1, 16, 16], scalars: wordScores), named: "word_scores")
        writer.add(Tensor(shape: [1, 16], scalars: bagScores), named: "bag_scores")
        try writer.write(to: directory.file("scores.safetensors"))

        var coverages: [Double] = []
        for annotations in ["slide.geojson", "slide_mask.png"] {
            let job = VisualizationJob(slide: directory.file("slide.tiff"), outputDirectory: directory.file("out-\(annotations)"),
                                       annotations: directory.file(annotations), topFraction: 0.5, thumbnailSize: 256)
            let (visualization, files) = try job.run { source in
                try AttentionScoresFile.read(directory.file("scores.safetensors"), source: source, layout: layout)
            }
            #expect(visualization.overview.image.width == 256 && visualization.overview.image.height == 192)
            for url in files.all { #expect(FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent)") }
            let bags = try #require(visualization.bagCoverage), words = try #require(visualization.wordCoverage)
            #expect(bags.expectedRandomShare == 0.5 && words.expectedRandomShare == 0.5)
            #expect(words.coveredShare > 0.95, "oracle words cover the lesions: \(words.summary(items: "words"))")
            #expect(bags.coveredShare > bags.expectedRandomShare, "\(bags.summary(items: "bags"))")
            coverages.append(words.coveredShare)
        }
        #expect(abs(coverages[0] - coverages[1]) < 0.05, "GeoJSON and label mask describe the same lesions: \(coverages)")
    }

    @Test func scoresFileThatDoesNotFitTheGridIsRejected() throws {
        let directory = try TemporaryDirectory()
        var writer = SafeTensorsWriter()
        writer.add(Tensor(shape: [1, 4, 4], scalars: [Float](repeating: 0, count: 16)), named: "word_scores")
        writer.add(Tensor(shape: [1, 4], scalars: [0, 0, 0, 0]), named: "bag_scores")
        let url = directory.file("scores.safetensors")
        try writer.write(to: url)
        let source = ImageSource(url: directory.file("image.png"), image: RGBImage(width: 64, height: 64), format: "png")
        #expect {
            try AttentionScoresFile.read(url, source: source, layout: WordGridLayout(bagSize: 48, wordSize: 16))
        } throws: { error in "\(error)".contains("holds 4 bags of 4 words, but bag 48 and word 16 make 9 bags of 9 words") }
        #expect {
            try AttentionScoresFile.read(url, source: source, layout: nil)
        } throws: { error in "\(error)".contains("has no word_regions") }
    }
}
