import Foundation
import Reports
import Slides

/// The words of a slide as a GeoJSON FeatureCollection QuPath imports as tile objects, in the layout
/// WSInfer writes for its model outputs (QuPath ≥ 0.4, *File › Import objects* or drag and drop).
///
/// One feature per word that shows slide (grid-padding words are left out): `geometry` a `Polygon`
/// whose one ring is the word's rectangle in level-0 slide pixels (clipped to the slide), closed, in
/// WSInfer's order (maxx,miny) → (maxx,maxy) → (minx,maxy) → (minx,miny) → (maxx,miny) — counter-
/// clockwise in the coordinates' own axes, as RFC 7946 asks of exterior rings; `properties` =
/// {`objectType`: "tile", `isLocked`: true, `name`: "bag B word W", `measurements`: {"word score",
/// "word rank", "bag score", "bag rank", "bag", "word"}} — QuPath's measurement map (name → number).
/// Scores are HATNet's unnormalised energies; ranks count from 0 for the highest score across the
/// slide, as in `attention.json`.
public enum QuPathTiles {
    /// Measurement names, in the order QuPath lists them.
    public static let measurementNames = ["word score", "word rank", "bag score", "bag rank", "bag", "word"]

    /// The FeatureCollection for `visualization`'s words.
    /// - Throws: ``ReportFileError`` naming `destination` when a shown word's or its bag's score is not finite.
    public static func json(for visualization: AttentionVisualization, destination: URL) throws -> JSONValue {
        let attention = visualization.attention
        let slideWidth = Double(attention.slideWidth), slideHeight = Double(attention.slideHeight)
        var features: [JSONValue] = []
        for (index, region) in attention.wordRegions.enumerated() {
            let left = min(max(region.x, 0), slideWidth), right = min(max(region.x + region.width, 0), slideWidth)
            let top = min(max(region.y, 0), slideHeight), bottom = min(max(region.y + region.height, 0), slideHeight)
            guard !region.isEmpty, right > left, bottom > top else { continue }
            let bag = index / attention.wordsPerBag, word = index % attention.wordsPerBag
            let wordScore = attention.wordScores[index], bagScore = attention.bagScores[bag]
            guard wordScore.isFinite, bagScore.isFinite else {
                throw ReportFileError(path: destination.path, problem: "word \(word) of bag \(bag) has a non-finite score "
                                      + "(word \(wordScore), bag \(bagScore)); QuPath measurements must be numbers")
            }
            let ring: [JSONValue] = [(right, top), (right, bottom), (left, bottom), (left, top), (right, top)]
                .map { JSONValue.array([.number($0.0), .number($0.1)]) }
            let measurements: [String: JSONValue] = [
                "word score": AttentionDocument.number(wordScore), "word rank": .integer(visualization.wordRanking.ranks[index]),
                "bag score": AttentionDocument.number(bagScore), "bag rank": .integer(visualization.bagRanking.ranks[bag]),
                "bag": .integer(bag), "word": .integer(word),
            ]
            features.append(.object([
                "type": .string("Feature"),
                "geometry": .object(["type": .string("Polygon"), "coordinates": .array([.array(ring)])]),
                "properties": .object(["objectType": .string("tile"), "isLocked": .bool(true),
                                       "name": .string("bag \(bag) word \(word)"), "measurements": .object(measurements)]),
            ]))
        }
        return .object(["type": .string("FeatureCollection"), "features": .array(features)])
    }

}
