import Foundation
import Reports
import Slides
import FileOutput

/// `attention.json`: every bag's and word's score, rank, top-share flag and rectangle, and the
/// annotation coverage, for reading by other programs.
///
/// Layout (keys sorted): `slide`, `slide_width`, `slide_height`, `coordinates` and `order` (the
/// conventions, in words), `top_fraction`, `bags` = [{`index`, `score`, `rank`, `top`,
/// `rectangle`}], `words` = [{`bag`, `word`, `score`, `rank`, `top`, `rectangle`}], and `coverage`
/// (`null` without annotations) = {`annotations`, `annotated_area`, `random_baseline`, `bags`,
/// `words`}, each of the last two {`selected`, `candidates`, `selected_fraction`, `covered_share`,
/// `expected_random_share`, `gain_over_random`}. Rectangles are `[x, y, width, height]` in level-0
/// slide pixels; ranks start at 0 for the highest score; scores are HATNet's unnormalised energies.
public enum AttentionDocument {
    /// The document for `visualization` of the slide at `slidePath`.
    public static func json(for visualization: AttentionVisualization, slidePath: String) -> JSONValue {
        let attention = visualization.attention
        let topBags = visualization.topBags, topWords = visualization.topWords
        let bags = (0..<attention.bagCount).map { bag -> JSONValue in
            .object(["index": .integer(bag), "score": number(attention.bagScores[bag]),
                     "rank": .integer(visualization.bagRanking.ranks[bag]), "top": .bool(topBags[bag]),
                     "rectangle": rectangle(attention.bagRegions[bag])])
        }
        let words = attention.wordRegions.indices.map { index -> JSONValue in
            .object(["bag": .integer(index / attention.wordsPerBag), "word": .integer(index % attention.wordsPerBag),
                     "score": number(attention.wordScores[index]), "rank": .integer(visualization.wordRanking.ranks[index]),
                     "top": .bool(topWords[index]), "rectangle": rectangle(attention.wordRegions[index])])
        }
        var coverage = JSONValue.null
        if let annotations = visualization.annotations, let bagCoverage = visualization.bagCoverage,
           let wordCoverage = visualization.wordCoverage {
            coverage = .object([
                "annotations": .string(annotations.source.path),
                "annotated_area": .number(bagCoverage.annotatedArea),
                "random_baseline": .string("exact expectation over uniformly random choices of the same number of "
                                           + "rectangles: selected_fraction × annotated area inside the grid / annotated area"),
                "bags": json(bagCoverage), "words": json(wordCoverage),
            ])
        }
        return .object([
            "slide": .string(slidePath),
            "slide_width": .integer(attention.slideWidth), "slide_height": .integer(attention.slideHeight),
            "coordinates": .string("level-0 slide pixels, origin at the top-left corner, y downwards; rectangle = [x, y, width, height]"),
            "order": .string("reference column-major: bag = column * bagsPerSide + row, word likewise inside its bag"),
            "top_fraction": .number(visualization.topFraction),
            "bags": .array(bags), "words": .array(words), "coverage": coverage,
        ])
    }

    /// Writes the document to `url` atomically.
    /// - Throws: ``ReportFileError`` naming `url`.
    public static func write(_ visualization: AttentionVisualization, slidePath: String, to url: URL) throws {
        try AtomicFile.write(json(for: visualization, slidePath: slidePath).serialized(), to: url)
    }

    private static func json(_ coverage: AnnotationCoverage) -> JSONValue {
        .object(["selected": .integer(coverage.selectedCount), "candidates": .integer(coverage.candidateCount),
                 "selected_fraction": .number(coverage.selectedFraction), "covered_share": .number(coverage.coveredShare),
                 "expected_random_share": .number(coverage.expectedRandomShare),
                 "gain_over_random": .number(coverage.gainOverRandom)])
    }

    private static func rectangle(_ region: SlideRectangle) -> JSONValue {
        .array([region.x, region.y, region.width, region.height].map(JSONValue.number))
    }

    /// A `Float` score as the JSON number of its shortest decimal form (`0.1`, not `0.10000000149011612`).
    static func number(_ score: Float) -> JSONValue { .number(Double(score.description) ?? Double(score)) }
}
