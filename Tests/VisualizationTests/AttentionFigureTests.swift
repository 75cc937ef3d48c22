import Foundation
import Reports
import Slides
import TestSupport
import Testing
@testable import Visualization

/// The attention figures on ``FigureScene``: sizes keep the slide's aspect ratio and the overlays
/// have the expected colours where the geometry says they are.
@Suite struct AttentionFigureTests {
    /// Bags 0 (left top) and 2 (right top) are the top half; words of bags 0 and 2 the top half of words.
    static let bagScores: [Float] = [0.9, 0.1, 0.8, 0.2]
    static let wordScores: [Float] = [0.5, 0.6, 0.7, 0.8, 0.1, 0.1, 0.1, 0.1, 0.9, 0.95, 0.85, 0.99, 0.2, 0.2, 0.2, 0.2]
    static let grey = PlotColor(red: 128.0 / 255, green: 128.0 / 255, blue: 128.0 / 255)

    static func visualization() throws -> AttentionVisualization {
        let scene = try FigureScene(bagScores: bagScores, wordScores: wordScores)
        return AttentionVisualization(overview: scene.overview, attention: scene.attention, annotations: scene.annotations, topFraction: 0.5)
    }

    /// The scene's figures and attention.json, written into a fresh directory (kept alive with them).
    static func writtenFiles() throws -> (directory: TemporaryDirectory, files: AttentionVisualization.Files) {
        let directory = try TemporaryDirectory()
        return (directory, try visualization().write(to: directory.url, slidePath: "/scene.png"))
    }

    @Test func geometryFollowsTheReferenceColumnMajorOrder() throws {
        let attention = try Self.visualization().attention
        #expect(attention.bagRegions[1] == SlideRectangle(x: 0, y: 100, width: 200, height: 100), "bag 1 is left bottom")
        #expect(attention.bagRegions[2] == SlideRectangle(x: 200, y: 0, width: 200, height: 100), "bag 2 is right top")
        #expect(attention.wordRegions[2 * 4 + 1] == SlideRectangle(x: 200, y: 50, width: 100, height: 50), "word 1 of bag 2")
    }

    @Test func topBagsAreOutlinedBlueAndAnnotationsRed() throws {
        let (directory, files) = try Self.writtenFiles()
        defer { withExtendedLifetime(directory) {} }
        let image = try CairoCanvas(contentsOfPNG: files.topBags.png.path)
        #expect(image.pixelWidth == 200 && image.pixelHeight == 100, "thumbnail size, slide aspect ratio 2:1")
        #expect(try Data(contentsOf: files.topBags.pdf).prefix(5) == Data("%PDF-".utf8))
        expectPixel(image, x: 101, y: 25, is: AttentionPalette.selected, "left edge of top bag 2 (right top)")
        expectPixel(image, x: 1, y: 25, is: AttentionPalette.selected, "left edge of top bag 0 (left top)")
        expectPixel(image, x: 1, y: 75, is: Self.grey, "bag 1 (left bottom) is not a top bag")
        expectPixel(image, x: 150, y: 75, is: Self.grey, "inside bag 3")
        expectPixel(image, x: 130, y: 40, is: AttentionPalette.annotation, "annotation's left edge")
        expectPixel(image, x: 150, y: 40, is: Self.grey, "inside the annotation, the slide shows through")
    }

    @Test func topWordsAreBluePinkOverTheLesionAndOtherWordsWhite() throws {
        let (directory, files) = try Self.writtenFiles()
        defer { withExtendedLifetime(directory) {} }
        let image = try CairoCanvas(contentsOfPNG: files.topWords.png.path)
        #expect(image.pixelWidth == 200 && image.pixelHeight == 100)
        expectPixel(image, x: 140, y: 40, is: AttentionPalette.overlap, "top word 1 of bag 2 inside the annotation")
        expectPixel(image, x: 110, y: 40, is: AttentionPalette.selected, "same top word outside the annotation")
        expectPixel(image, x: 20, y: 75, is: AttentionPalette.unselected, "word of bag 1, not selected")
        expectPixel(image, x: 150, y: 60, is: AttentionPalette.unselected, "word of bag 3 inside the annotation, not selected")
        expectPixel(image, x: 130, y: 60, is: AttentionPalette.annotation, "annotation outline")
    }

    @Test func heatMapsBlendTheScoreColourOverTheThumbnailBesideAColourBar() throws {
        let directory = try TemporaryDirectory()
        let visualization = try Self.visualization()
        let files = try visualization.write(to: directory.url, slidePath: "/scene.png")
        let figure = visualization.wordHeatMap
        #expect(figure.imageArea.width / figure.imageArea.height == 2, "the slide area keeps the slide's aspect ratio")
        let image = try CairoCanvas(contentsOfPNG: files.wordHeatMap.png.path)
        #expect(image.pixelWidth == Int(figure.pageWidth) && image.pixelHeight == Int(figure.pageHeight))
        func blended(_ value: Double) -> PlotColor {
            let color = AttentionPalette.heatMap.color(at: value), opacity = AttentionPalette.heatMapOpacity
            func mix(_ channel: Double) -> Double { ((128 * (1 - opacity) + channel * 255 * opacity).rounded()) / 255 }
            return PlotColor(red: mix(color.red), green: mix(color.green), blue: mix(color.blue))
        }
        expectPixel(image, x: 175, y: 40, is: blended(1), "highest word score (word 3 of bag 2)")
        expectPixel(image, x: 20, y: 75, is: blended(0), "lowest word scores (bag 1)")
        let bar = figure.colorBarArea
        expectPixel(image, x: Int(bar.center.x), y: Int(bar.minY + 2), is: AttentionPalette.heatMap.color(at: 1 - 2.5 / bar.height), tolerance: 12,
                    "top of the colour bar")
        let bagImage = try CairoCanvas(contentsOfPNG: files.bagHeatMap.png.path)
        expectPixel(bagImage, x: 20, y: 25, is: blended(1), "highest bag score (bag 0)")
        expectPixel(bagImage, x: 20, y: 75, is: blended(0), "lowest bag score (bag 1)")
    }

    @Test func labelMaskAnnotationsAreOutlinedFromTheMaskBoundary() throws {
        let scene = try FigureScene(bagScores: Self.bagScores, wordScores: Self.wordScores)
        let fromMask = SlideAnnotations(source: URL(fileURLWithPath: "/mask.png"), annotations: [], mask: scene.annotations.mask)
        let visualization = AttentionVisualization(overview: scene.overview, attention: scene.attention, annotations: fromMask, topFraction: 0.5)
        let image = try visualization.topBagsFigure.rasterImage(pixelsPerPoint: 1)
        expectPixel(image, x: 130, y: 40, is: AttentionPalette.annotation, "first annotated column is the boundary")
        expectPixel(image, x: 150, y: 40, is: Self.grey, "interior of the mask")
    }

    @Test func attentionJSONListsEveryBagAndWordWithRectanglesRanksAndCoverage() throws {
        let (directory, files) = try Self.writtenFiles()
        defer { withExtendedLifetime(directory) {} }
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: files.json)) as? [String: Any])
        #expect(document["slide_width"] as? Int == 400 && document["slide_height"] as? Int == 200)
        let bags = try #require(document["bags"] as? [[String: Any]])
        let words = try #require(document["words"] as? [[String: Any]])
        #expect(bags.count == 4 && words.count == 16)
        #expect(bags[2]["rectangle"] as? [Double] == [200, 0, 200, 100] && bags[2]["rank"] as? Int == 1 && bags[2]["top"] as? Bool == true)
        #expect(bags[1]["top"] as? Bool == false && bags[1]["score"] as? Double == 0.1)
        #expect(words[9]["bag"] as? Int == 2 && words[9]["word"] as? Int == 1 && words[9]["rectangle"] as? [Double] == [200, 50, 100, 50])
        #expect(words.filter { $0["top"] as? Bool == true }.count == 8)
        let coverage = try #require(document["coverage"] as? [String: Any])
        let bagCoverage = try #require(coverage["bags"] as? [String: Any])
        // The 80×80 annotation is half in top bag 2 and half in bag 3; two of four bags selected.
        #expect(bagCoverage["covered_share"] as? Double == 0.5 && bagCoverage["expected_random_share"] as? Double == 0.5)
        #expect(coverage["annotated_area"] as? Double == 6400)
    }
}
