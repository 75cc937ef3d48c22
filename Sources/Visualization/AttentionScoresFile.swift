import Checkpoints
import FileOutput
import Foundation
import HATNet
import Reports
import Slides
import TensorKit

/// Attention scores saved by `hatnet attend` (safetensors with `word_scores` `[B, Nb, Nw]` and
/// `bag_scores` `[B, Nb]`, usually `word_regions` `[Nb, Nw, 4]`, and the features' `image_id`,
/// `bag_size` and `word_size` metadata), placed on the slide they were computed for.
public enum AttentionScoresFile {
    /// What a scores file says about itself, read from its header alone: shapes checked, no tensor read.
    public struct Header: Sendable {
        public let url: URL
        /// The slide's image id the features recorded (`image_id`), if any.
        public let imageID: String?
        /// Slides in the batch (`B`), bags (`Nb`) and words per bag (`Nw`).
        public let slideCount: Int
        public let bagCount: Int
        public let wordsPerBag: Int
        /// The grid the features recorded (`bag_size`, `word_size`), if any.
        public let layout: WordGridLayout?
        /// Whether the file places its words itself (`word_regions`).
        public let hasWordRegions: Bool
    }

    /// Bags and words per bag a file may hold: HATNet's largest grid (32 bags a side, so 32² bags
    /// of 32² words).
    public static let maximumBags = HATNetConfiguration.maximumBagsWords * HATNetConfiguration.maximumBagsWords

    /// The header of `url` when it holds attention scores, `nil` for another safetensors file (a
    /// checkpoint, a features file).
    /// - Throws: ``ReportFileError`` naming the file when it is not a readable safetensors file, or its
    ///   scores' shapes or recorded grid are inconsistent or larger than ``maximumBags``.
    public static func header(_ url: URL) throws -> Header? {
        try header(of: try open(url))
    }

    private static func open(_ url: URL) throws -> SafeTensorsFile {
        // A FIFO would block the open forever.
        try FileContents.requireRegularFile(url, kind: "scores file")
        do { return try SafeTensorsFile(url: url) } catch {
            throw ReportFileError(path: url.path, problem: "not a readable safetensors file (\(error))")
        }
    }

    private static func header(of file: SafeTensorsFile) throws -> Header? {
        let url = file.url
        guard file.contains("word_scores"), file.contains("bag_scores") else { return nil }
        let words = try file.info("word_scores").shape, bags = try file.info("bag_scores").shape
        guard words.count == 3, bags.count == 2, words[0] == bags[0], words[1] == bags[1], words.allSatisfy({ $0 > 0 }) else {
            throw ReportFileError(path: url.path, problem: "word_scores \(words) and bag_scores \(bags) are not [B, Nb, Nw] and [B, Nb]")
        }
        guard words[1] <= maximumBags, words[2] <= maximumBags else {
            throw ReportFileError(path: url.path, problem: "word_scores \(words) holds more than \(maximumBags) bags or words per bag "
                                  + "(HATNet's largest grid has \(HATNetConfiguration.maximumBagsWords) bags a side)")
        }
        if file.contains("word_regions") {
            let regions = try file.info("word_regions").shape
            guard regions == [words[1], words[2], 4] else {
                throw ReportFileError(path: url.path, problem: "word_regions has shape \(regions), expected [\(words[1]), \(words[2]), 4]")
            }
        }
        var layout: WordGridLayout?
        if let bag = file.metadata["bag_size"], let word = file.metadata["word_size"] {
            guard let bagSize = Int(bag), let wordSize = Int(word),
                  let recorded = try? WordGridLayout(validatingBagSize: bagSize, wordSize: wordSize) else {
                throw ReportFileError(path: url.path, problem: "records bag_size \(bag) and word_size \(word), which are not a grid")
            }
            guard recorded.bagCount == words[1], recorded.wordsPerBag == words[2] else {
                throw ReportFileError(path: url.path, problem: "holds \(words[1]) bags of \(words[2]) words, but records bag \(bagSize) and word "
                                      + "\(wordSize), which make \(recorded.bagCount) bags of \(recorded.wordsPerBag) words")
            }
            layout = recorded
        }
        return Header(url: url, imageID: file.metadata["image_id"], slideCount: words[0], bagCount: words[1], wordsPerBag: words[2],
                      layout: layout, hasWordRegions: file.contains("word_regions"))
    }

    /// Reads the scores of slide `index` of the batch in `url` and places them on `source`: with the
    /// word rectangles stored in the file as `word_regions` `[Nb, Nw, 4]` (level-0 x, y, width,
    /// height, as `hatnet words` writes them) when present, otherwise on the grid that `layout` (or
    /// the one the file records) and `options` cut from the slide — which must be the grid the
    /// features were made with.
    /// - Throws: ``ReportFileError`` naming the file when a tensor is missing, not finite, its shape
    ///   does not fit the grid, or a word lies outside the slide (scores of another slide).
    public static func read(_ url: URL, index: Int = 0, source: any SlideSource, layout: WordGridLayout?,
                            options: WordGridOptions = WordGridOptions()) throws -> SlideAttention {
        let file = try open(url)
        guard let header = try header(of: file) else {
            throw ReportFileError(path: url.path, problem: "has no tensors 'word_scores' and 'bag_scores' (found: \(file.names.joined(separator: ", "))); "
                                  + "write it with hatnet attend")
        }
        guard index >= 0, index < header.slideCount else {
            throw ReportFileError(path: url.path, problem: "holds the scores of \(header.slideCount) slide(s), so there is no slide \(index)")
        }
        let wordScores = try file.tensor(named: "word_scores"), bagScores = try file.tensor(named: "bag_scores")
        try wordScores.requireFinite("\(url.path): tensor 'word_scores'")
        try bagScores.requireFinite("\(url.path): tensor 'bag_scores'")
        let bags = header.bagCount, wordsPerBag = header.wordsPerBag
        let slideWords = Tensor(shape: [bags, wordsPerBag],
                                scalars: Array(wordScores.scalars[index * bags * wordsPerBag..<(index + 1) * bags * wordsPerBag]))
        let slideBags = Tensor(shape: [bags], scalars: Array(bagScores.scalars[index * bags..<(index + 1) * bags]))
        let (width, height) = source.dimensions
        if header.hasWordRegions {
            // Its shape was checked with the header's.
            let geometry = try WordGeometry(tensor: try file.tensor(named: "word_regions"), source: url.path)
            // Float32 coordinates of large slides round by a fraction of a pixel.
            let tolerance = 1.0
            if let outside = geometry.wordRegions.firstIndex(where: { word in
                !word.isEmpty && (word.x < -tolerance || word.y < -tolerance || word.x + word.width > Double(width) + tolerance
                                  || word.y + word.height > Double(height) + tolerance)
            }) {
                let word = geometry.wordRegions[outside]
                throw ReportFileError(path: url.path, problem: "word_regions row \(outside) ([\(word.x), \(word.y), \(word.width), \(word.height)]) "
                                      + "lies outside the \(width)×\(height) slide \(source.url.lastPathComponent): the scores of another slide")
            }
            return SlideAttention(slideWidth: width, slideHeight: height, geometry: geometry, wordScores: slideWords, bagScores: slideBags)
        }
        guard let layout = layout ?? header.layout else {
            throw ReportFileError(path: url.path, problem: "has no word_regions, so the bag and word sizes of its grid must be given")
        }
        guard layout.bagCount == bags, layout.wordsPerBag == wordsPerBag else {
            throw ReportFileError(path: url.path, problem: "holds \(bags) bags of \(wordsPerBag) words, but bag \(layout.bagSize) and word "
                                  + "\(layout.wordSize) make \(layout.bagCount) bags of \(layout.wordsPerBag) words")
        }
        let placement = try GridPlacement(source: source, layout: layout, options: options)
        return SlideAttention(placement: placement, wordScores: slideWords, bagScores: slideBags)
    }
}
