import FileOutput
import Foundation
import Pipeline
import Slides
import Visualization

/// What the viewer knows of a slide's attention: every word's and bag's rectangle (level-0 pixels),
/// score, rank and top-share flag — read from `attention.json` (`hatnet visualize`, the demo), from
/// `hatnet attend`'s scores file or, with the top bags and words only, from a `hatnet predict` report.
public struct ViewerAttention: Sendable {
    public struct Region: Sendable {
        public let rectangle: SlideRectangle
        public let score: Double
        /// 0 = highest score.
        public let rank: Int
        public let isTop: Bool
        /// The bag a word belongs to (a bag's own index for bags).
        public let bag: Int
    }

    public let words: [Region]
    public let bags: [Region]
    /// Whether every word and bag of the grid is known (attention.json), so heat maps can be drawn;
    /// a predict report only lists the top ones.
    public let isComplete: Bool
    /// The file it was read from.
    public let source: URL

    /// Smallest and largest score of `regions` (0…0 when empty).
    static func range(_ regions: [Region]) -> ClosedRange<Double> {
        guard let low = regions.map(\.score).min(), let high = regions.map(\.score).max() else { return 0...0 }
        return low...high
    }
    public var wordScoreRange: ClosedRange<Double> { Self.range(words) }
    public var bagScoreRange: ClosedRange<Double> { Self.range(bags) }

    /// Reads `attention.json` (``Visualization/AttentionDocument``'s layout). Returns the slide path it
    /// names and its level-0 size with the attention.
    /// - Throws: ``ViewerError/unreadable(path:reason:)`` naming the file.
    static func readAttentionDocument(_ url: URL) throws -> (slide: String, width: Int, height: Int, attention: ViewerAttention) {
        struct Document: Decodable {
            struct Bag: Decodable { let index: Int; let score: Double; let rank: Int; let top: Bool; let rectangle: [Double] }
            struct Word: Decodable { let bag: Int; let word: Int; let score: Double; let rank: Int; let top: Bool; let rectangle: [Double] }
            let slide: String
            let slide_width: Int
            let slide_height: Int
            let bags: [Bag]
            let words: [Word]
        }
        let data = try FileContents.read(url, maximumBytes: 256 << 20, kind: "attention document")
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch {
            throw ViewerError.unreadable(path: url.path, reason: JSONProblem.describe(error, data: data))
        }
        guard document.slide_width > 0, document.slide_height > 0 else {
            throw ViewerError.unreadable(path: url.path, reason: "slide_width and slide_height must be positive")
        }
        func rectangle(_ values: [Double], _ what: String) throws -> SlideRectangle {
            guard values.count == 4, values.allSatisfy(\.isFinite), values[2] >= 0, values[3] >= 0 else {
                throw ViewerError.unreadable(path: url.path, reason: "\(what): rectangle must be 4 finite numbers [x, y, width, height] with width, height ≥ 0")
            }
            return SlideRectangle(x: values[0], y: values[1], width: values[2], height: values[3])
        }
        let bagCount = document.bags.count
        var bags: [Region] = []
        for (index, bag) in document.bags.enumerated() {
            guard bag.score.isFinite, bag.rank >= 0, bag.rank < bagCount else {
                throw ViewerError.unreadable(path: url.path, reason: "bags[\(index)]: score must be finite and rank in 0..<\(bagCount)")
            }
            bags.append(Region(rectangle: try rectangle(bag.rectangle, "bags[\(index)]"), score: bag.score, rank: bag.rank, isTop: bag.top, bag: index))
        }
        var words: [Region] = []
        for (index, word) in document.words.enumerated() {
            guard word.score.isFinite, word.rank >= 0, word.rank < document.words.count, word.bag >= 0, word.bag < max(1, bagCount) else {
                throw ViewerError.unreadable(path: url.path, reason: "words[\(index)]: score must be finite, rank in 0..<\(document.words.count) and bag in 0..<\(bagCount)")
            }
            words.append(Region(rectangle: try rectangle(word.rectangle, "words[\(index)]"), score: word.score, rank: word.rank, isTop: word.top, bag: word.bag))
        }
        return (document.slide, document.slide_width, document.slide_height,
                ViewerAttention(words: words, bags: bags, isComplete: true, source: url))
    }

    /// The share of bags and words marked top when the file does not say: `hatnet visualize`'s default.
    public static let defaultTopFraction = 0.5

    /// Every word's and bag's score placed on the slide, e.g. from `hatnet attend`'s scores file
    /// (``Visualization/AttentionScoresFile``), ranked and marked top as `hatnet visualize` does.
    init(_ attention: SlideAttention, topFraction: Double = defaultTopFraction, source: URL) {
        func regions(_ rectangles: [SlideRectangle], _ scores: [Float], bag: (Int) -> Int) -> [Region] {
            let ranking = ScoreRanking(scores: scores), top = ranking.isTop(fraction: topFraction)
            return rectangles.indices.map { index in
                Region(rectangle: rectangles[index], score: Double(scores[index]), rank: ranking.ranks[index], isTop: top[index], bag: bag(index))
            }
        }
        let wordsPerBag = attention.wordsPerBag
        self.init(words: regions(attention.wordRegions, attention.wordScores) { $0 / wordsPerBag },
                  bags: regions(attention.bagRegions, attention.bagScores) { $0 },
                  isComplete: true, source: source)
    }

    /// The top bags and their top words of a `hatnet predict` report, all marked top.
    init(report: DiagnosisReport, source: URL) {
        var words: [Region] = [], bags: [Region] = []
        for (rank, bag) in report.topBags.enumerated() {
            bags.append(Region(rectangle: bag.region, score: bag.score, rank: rank, isTop: true, bag: bag.bag))
            for word in bag.topWords {
                words.append(Region(rectangle: word.region, score: word.score, rank: 0, isTop: true, bag: bag.bag))
            }
        }
        let order = words.indices.sorted { words[$0].score > words[$1].score }
        var ranked = words
        for (rank, index) in order.enumerated() {
            let word = words[index]
            ranked[index] = Region(rectangle: word.rectangle, score: word.score, rank: rank, isTop: true, bag: word.bag)
        }
        self.init(words: ranked, bags: bags, isComplete: false, source: source)
    }

    init(words: [Region], bags: [Region], isComplete: Bool, source: URL) {
        self.words = words
        self.bags = bags
        self.isComplete = isComplete
        self.source = source
    }
}
