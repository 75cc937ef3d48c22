import Foundation
import TestSupport
import Testing
import Viewer

/// What `hatnet serve` finds under its paths.
struct SlideCatalogTests {
    @Test func findsTheDemoLayoutWithItsPredictionAttentionAndAnnotations() throws {
        let fixture = try ViewerFixture()
        let catalog = try SlideCatalog(paths: [fixture.root])
        #expect(catalog.slides.map(\.id) == [ViewerFixture.slideID])
        let slide = try #require(catalog.slide(id: ViewerFixture.slideID))
        #expect(slide.prediction.trueClass == "DCIS" && slide.prediction.predictedClass == "Invasive")
        #expect(slide.prediction.probabilities.map(\.name) == ["Benign", "Atypia", "DCIS", "Invasive"])
        #expect(slide.attention?.words.count == ViewerFixture.wordCount && slide.attention?.bags.count == 16)
        #expect(!slide.annotations.isEmpty)
        #expect(slide.layers.map(\.rawValue) == ["words", "bags", "topwords", "topbags", "annotations"])
        #expect(catalog.warnings.isEmpty, "\(catalog.warnings)")
    }

    /// A copied demo output's attention.json still names the slide at its old place: the copy's own
    /// slide of that name is used, and the old one is not added beside it.
    @Test func aMovedOutputKeepsOneSlidePerName() throws {
        let fixture = try ViewerFixture()
        let elsewhere = try TemporaryDirectory()
        let old = elsewhere.file("\(ViewerFixture.slideID).tiff")
        try FileManager.default.copyItem(at: fixture.slide, to: old)
        try Data(ViewerFixture.attentionDocument(slidePath: old.path).utf8)
            .write(to: fixture.root.appendingPathComponent("attention/\(ViewerFixture.slideID)/attention.json"))
        let catalog = try SlideCatalog(paths: [fixture.root])
        #expect(catalog.slides.count == 1)
        #expect(catalog.slides.first?.source.url.path.hasPrefix(fixture.root.resolvingSymlinksInPath().path) == true)
        #expect(catalog.slides.first?.attention != nil)
    }

    @Test func anAttentionFileOfAnotherSizeIsReportedNotUsed() throws {
        let fixture = try ViewerFixture()
        let document = ViewerFixture.attentionDocument(slidePath: fixture.slide.path)
            .replacingOccurrences(of: "\"slide_width\": \(ViewerFixture.width)", with: "\"slide_width\": 4000")
        try Data(document.utf8).write(to: fixture.root.appendingPathComponent("attention/\(ViewerFixture.slideID)/attention.json"))
        let catalog = try SlideCatalog(paths: [fixture.root])
        #expect(catalog.slides.first?.attention == nil)
        #expect(catalog.warnings.contains { $0.contains("4000×1024") }, "\(catalog.warnings)")
    }
}
