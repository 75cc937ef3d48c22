import Foundation
import Slides
import TensorKit

/// Patch features placed on HATNet's word grid: the rule `hatnet import features` applies.
///
/// - A patch is the rectangle `[x, x + patchWidth) × [y, y + patchHeight)` in level-0 pixels,
///   clipped to the slide (a patch at the slide's edge may extend beyond it).
/// - A patch belongs to the word whose rectangle (``WordGeometry``, level-0 pixels, half-open
///   `[x, x + width) × [y, y + height)`) contains the centre of the clipped patch; every patch
///   belongs to at most one word, and none to a padding word (empty rectangle).
/// - A word's feature is the mean of the features of its patches; a word with no patch gets zeros.
/// - A word's tissue fraction is the area of the slide the patches cover inside the word divided
///   by the word's area, capped at 1, where every patch overlapping the word counts (not only its
///   own); a word with no patch of its own has tissue fraction 0. Patch extractors keep only
///   tissue patches, so this is the share of the word they judged tissue; it is exact for
///   non-overlapping patches (TRIDENT's default overlap 0, CLAM's step = patch size) and counts
///   overlaps twice otherwise.
public enum WordPooling {
    /// The pooled grid of one slide.
    public struct Result: Sendable {
        /// `[Nb, Nw, F]` mean features.
        public let words: Tensor
        /// `[Nb, Nw]` tissue fractions in [0, 1].
        public let tissueFractions: Tensor
        /// Patches assigned to a word (the others' centres lie on no word, e.g. grid padding).
        public let assignedPatches: Int
        /// Words that received at least one patch.
        public let coveredWords: Int
    }

    /// The bytes ``pool(_:onto:slideWidth:slideHeight:)`` allocates for a grid of `wordCount`
    /// words of `featureCount` features (the float32 result and the float64 sums), overflow-checked.
    public static func workingBytes(wordCount: Int, featureCount: Int) -> Int? {
        MemoryBudget.checkedProduct([wordCount, featureCount, MemoryLayout<Float>.size + MemoryLayout<Double>.size])
    }

    /// Pools `patches` onto `geometry` (see the type's rule).
    /// - Precondition: the patches fit the slide (``PatchFeatures/requireFits(slideWidth:slideHeight:slide:)``),
    ///   and the caller checked ``workingBytes(wordCount:featureCount:)`` against the memory budget.
    public static func pool(_ patches: PatchFeatures, onto geometry: WordGeometry, slideWidth: Int, slideHeight: Int) -> Result {
        let words = geometry.wordRegions, featureCount = patches.featureCount
        let index = WordIndex(words: words, slideWidth: Double(slideWidth), slideHeight: Double(slideHeight))
        var sums = [Double](repeating: 0, count: words.count * featureCount)
        var counts = [Int](repeating: 0, count: words.count)
        var covered = [Double](repeating: 0, count: words.count)
        // The last patch counted for each word, so a word found in several buckets counts once.
        var lastCounted = [Int](repeating: -1, count: words.count)
        var assigned = 0
        for patch in 0..<patches.count {
            let left = max(0, patches.coordinates[2 * patch]), top = max(0, patches.coordinates[2 * patch + 1])
            let right = min(Double(slideWidth), patches.coordinates[2 * patch] + patches.patchWidth)
            let bottom = min(Double(slideHeight), patches.coordinates[2 * patch + 1] + patches.patchHeight)
            guard left < right, top < bottom else { continue }
            let clipped = SlideRectangle(x: left, y: top, width: right - left, height: bottom - top)
            if let word = index.word(containing: (left + right) / 2, (top + bottom) / 2) {
                assigned += 1
                counts[word] += 1
                let source = patch * featureCount, destination = word * featureCount
                for feature in 0..<featureCount {
                    sums[destination + feature] += Double(patches.features[source + feature])
                }
            }
            index.forEachWord(overlapping: clipped) { word in
                guard lastCounted[word] != patch else { return }
                lastCounted[word] = patch
                covered[word] += clipped.intersectionArea(with: words[word])
            }
        }
        var means = [Float](repeating: 0, count: words.count * featureCount)
        var fractions = [Float](repeating: 0, count: words.count)
        for word in words.indices where counts[word] > 0 {
            let scale = 1 / Double(counts[word])
            for feature in 0..<featureCount {
                means[word * featureCount + feature] = Float(sums[word * featureCount + feature] * scale)
            }
            fractions[word] = Float(min(1, covered[word] / (words[word].width * words[word].height)))
        }
        return Result(words: Tensor(shape: [geometry.bagCount, geometry.wordsPerBag, featureCount], scalars: means),
                      tissueFractions: Tensor(shape: [geometry.bagCount, geometry.wordsPerBag], scalars: fractions),
                      assignedPatches: assigned, coveredWords: counts.filter { $0 > 0 }.count)
    }
}

/// The words of a grid bucketed by a square lattice over the slide (cells the size of the largest
/// word), so a patch finds its word among a few candidates instead of all of them.
private struct WordIndex {
    let words: [SlideRectangle]
    let cell: Double
    let columns: Int, rows: Int
    var buckets: [[Int]]

    init(words: [SlideRectangle], slideWidth: Double, slideHeight: Double) {
        self.words = words
        let largest = words.lazy.filter { !$0.isEmpty }.map { max($0.width, $0.height) }.max() ?? 1
        let extentX = max(slideWidth, words.map { $0.x + $0.width }.max() ?? 0)
        let extentY = max(slideHeight, words.map { $0.y + $0.height }.max() ?? 0)
        // At least the largest word, and never more cells than a few per word.
        let cell = max(largest, 1, sqrt(extentX * extentY / Double(max(1, 4 * words.count))))
        self.cell = cell
        columns = Int((extentX / cell).rounded(.up)) + 1
        rows = Int((extentY / cell).rounded(.up)) + 1
        var buckets = [[Int]](repeating: [], count: columns * rows)
        for (word, rectangle) in words.enumerated() where !rectangle.isEmpty {
            let (firstColumn, lastColumn, firstRow, lastRow) = Self.span(rectangle, cell: cell, columns: columns, rows: rows)
            for column in firstColumn...lastColumn {
                for row in firstRow...lastRow { buckets[row * columns + column].append(word) }
            }
        }
        self.buckets = buckets
    }

    private static func span(_ rectangle: SlideRectangle, cell: Double, columns: Int, rows: Int) -> (Int, Int, Int, Int) {
        func clamp(_ value: Double, _ count: Int) -> Int { min(count - 1, max(0, Int((value / cell).rounded(.down)))) }
        return (clamp(rectangle.x, columns), clamp(rectangle.x + rectangle.width, columns),
                clamp(rectangle.y, rows), clamp(rectangle.y + rectangle.height, rows))
    }

    /// The word whose half-open rectangle contains the point.
    func word(containing x: Double, _ y: Double) -> Int? {
        let column = min(columns - 1, max(0, Int((x / cell).rounded(.down))))
        let row = min(rows - 1, max(0, Int((y / cell).rounded(.down))))
        return buckets[row * columns + column].first { word in
            let rectangle = words[word]
            return x >= rectangle.x && x < rectangle.x + rectangle.width && y >= rectangle.y && y < rectangle.y + rectangle.height
        }
    }

    /// Calls `body` for every word that overlaps `rectangle` with positive area (a word may be
    /// reported more than once).
    func forEachWord(overlapping rectangle: SlideRectangle, _ body: (Int) -> Void) {
        let (firstColumn, lastColumn, firstRow, lastRow) = Self.span(rectangle, cell: cell, columns: columns, rows: rows)
        for column in firstColumn...lastColumn {
            for row in firstRow...lastRow {
                for word in buckets[row * columns + column] where rectangle.intersectionArea(with: words[word]) > 0 { body(word) }
            }
        }
    }
}

extension SlideRectangle {
    /// The area this rectangle shares with `other` (0 when they do not overlap).
    func intersectionArea(with other: SlideRectangle) -> Double {
        let width = min(x + width, other.x + other.width) - max(x, other.x)
        let height = min(y + height, other.y + other.height) - max(y, other.y)
        return width > 0 && height > 0 ? width * height : 0
    }
}
