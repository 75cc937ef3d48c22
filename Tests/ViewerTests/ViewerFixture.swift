import Foundation
import Slides
import Synthesis
import TestSupport
import Testing
import Viewer

/// A demo-shaped directory (cohort slide with GeoJSON and labels.csv, an evaluation prediction file,
/// an attention.json) around one small synthetic pyramidal slide whose levels halve exactly
/// (1536 × 1024, 768 × 512, 384 × 256, 192 × 128), and a running `hatnet serve` on it.
final class ViewerFixture {
    static let slideID = "synth_dcis_007"
    static let width = 1536, height = 1024
    /// The attention grid of the fixture: 4 × 4 bags of 4 × 4 words of 96 px over 1536 × 1024
    /// (bags 384 × 256 … made of words 96 × 64), word scores `index / (count - 1)` so the lowest
    /// word is colour-map position 0 and the highest 1.
    static let bagsPerSide = 4, wordsPerSide = 4
    static var wordWidth: Double { Double(width) / Double(bagsPerSide * wordsPerSide) }
    static var wordHeight: Double { Double(height) / Double(bagsPerSide * wordsPerSide) }

    let directory: TemporaryDirectory
    var root: URL { directory.url }
    var slide: URL { root.appendingPathComponent("cohort/\(Self.slideID).tiff") }

    init() throws {
        directory = try TemporaryDirectory()
        let cohort = root.appendingPathComponent("cohort"), evaluation = root.appendingPathComponent("evaluation")
        let attention = root.appendingPathComponent("attention/\(Self.slideID)")
        for folder in [cohort, evaluation, attention] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let synthetic = SyntheticSlide(width: Self.width, height: Self.height, diagnosticClass: .dcis, seed: 7)
        try SyntheticCohort.writeSlide(synthetic, imageID: Self.slideID, in: cohort)
        try AnnotationGeoJSON.write(synthetic.lesions, to: cohort.appendingPathComponent("\(Self.slideID).geojson"))
        try Data("image_id,label,class_name,width,height,mask_downsample\n\(Self.slideID),2,DCIS,\(Self.width),\(Self.height),1\n".utf8)
            .write(to: cohort.appendingPathComponent("labels.csv"))
        try Data(#"{"class_names":["Benign","Atypia","DCIS","Invasive"],"image_ids":["\#(Self.slideID)"],"y_pred":[3],"y_prob":[[0.1,0.2,0.3,0.4]],"y_true":[2]}"#.utf8)
            .write(to: evaluation.appendingPathComponent("mimodel_predictions_softmax_l2_test.json"))
        try Data(Self.attentionDocument(slidePath: slide.path).utf8).write(to: attention.appendingPathComponent("attention.json"))
    }

    /// Word `w` of bag `b` (reference column-major order) and its rectangle.
    static func wordRectangle(bag: Int, word: Int) -> SlideRectangle {
        let bagColumn = bag / bagsPerSide, bagRow = bag % bagsPerSide
        let wordColumn = word / wordsPerSide, wordRow = word % wordsPerSide
        return SlideRectangle(x: Double(bagColumn * wordsPerSide + wordColumn) * wordWidth,
                              y: Double(bagRow * wordsPerSide + wordRow) * wordHeight, width: wordWidth, height: wordHeight)
    }

    static var wordCount: Int { bagsPerSide * bagsPerSide * wordsPerSide * wordsPerSide }
    static func wordScore(index: Int) -> Double { Double(index) / Double(wordCount - 1) }

    /// attention.json as `hatnet visualize` writes it (AttentionDocument's layout), top half marked.
    static func attentionDocument(slidePath: String) -> String {
        let bagCount = bagsPerSide * bagsPerSide, perBag = wordsPerSide * wordsPerSide
        func rectangle(_ r: SlideRectangle) -> String { "[\(r.x), \(r.y), \(r.width), \(r.height)]" }
        let bags = (0..<bagCount).map { bag -> String in
            let first = wordRectangle(bag: bag, word: 0)
            let box = SlideRectangle(x: first.x, y: first.y, width: wordWidth * Double(wordsPerSide), height: wordHeight * Double(wordsPerSide))
            let score = Double(bag) / Double(bagCount - 1)
            return #"{"index": \#(bag), "rank": \#(bagCount - 1 - bag), "rectangle": \#(rectangle(box)), "score": \#(score), "top": \#(bag >= bagCount / 2)}"#
        }
        let words = (0..<wordCount).map { index -> String in
            let bag = index / perBag, word = index % perBag
            return #"{"bag": \#(bag), "word": \#(word), "rank": \#(wordCount - 1 - index), "rectangle": \#(rectangle(wordRectangle(bag: bag, word: word))), "score": \#(wordScore(index: index)), "top": \#(index >= wordCount / 2)}"#
        }
        return #"{"bags": [\#(bags.joined(separator: ", "))], "coverage": null, "slide": "\#(slidePath)", "slide_height": \#(height), "slide_width": \#(width), "top_fraction": 0.5, "words": [\#(words.joined(separator: ", "))]}"#
    }
}

/// A `hatnet serve` process on a free port, stopped when released.
final class ServerProcess {
    static var binary: URL { BuiltProduct.hatnet }

    let child: ChildProcess
    let port: Int

    init(_ arguments: [String]) throws {
        child = try ChildProcess.start(Self.binary, arguments: ["serve"] + arguments + ["--port", "0"])
        var found: Int?
        _ = child.waitForStandardOutput(timeout: 120) { text in
            guard let range = text.range(of: #"127\.0\.0\.1:\d+/"#, options: .regularExpression) else { return false }
            found = Int(text[range].dropFirst("127.0.0.1:".count).dropLast())
            return true
        }
        guard let found else {
            child.terminate()
            throw LoopbackHTTPClient.Failure(description: "hatnet serve did not announce its port; stdout: \(child.standardOutputSoFar); "
                                             + "stderr: \(child.standardErrorSoFar)")
        }
        port = found
    }

    var isRunning: Bool { child.isRunning }
    /// What the server wrote on standard error so far (its start-up warnings).
    var standardError: String { child.standardErrorSoFar }

    /// Waits up to 30 s for `until` to hold for the server's standard error.
    func waitForStandardError(until: (String) -> Bool) -> Bool { child.waitForStandardError(timeout: 30, until: until) }

    func client() -> LoopbackHTTPClient { LoopbackHTTPClient(port: port) }

    // The child's reader threads keep it alive while the server runs, so its own deinit never
    // comes: the server is stopped here, when the test lets go of it.
    deinit {
        child.terminate()
        _ = child.finish(timeout: 10)
    }
}
