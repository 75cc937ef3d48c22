import Checkpoints
import Foundation
import Reports
import Slides
import TensorKit

/// Attention scores saved by `hatnet attend` (safetensors with `word_scores` `[1, Nb, Nw]` and
/// `bag_scores` `[1, Nb]`), placed on the slide they were computed for.
public enum AttentionScoresFile {
    /// Reads the scores of slide `index` of the batch in `url` and places them on `source`: with the
    /// word rectangles stored in the file as `word_regions` `[Nb, Nw, 4]` (level-0 x, y, width,
    /// height, as `hatnet words` writes them) when present, otherwise on the grid that `layout` and
    /// `options` cut from the slide — which must be the grid the features were made with.
    /// - Throws: ``ReportFileError`` naming the file when a tensor is missing or its shape does not
    ///   fit the grid.
    public static func read(_ url: URL, index: Int = 0, source: any SlideSource, layout: WordGridLayout?,
                            options: WordGridOptions = WordGridOptions()) throws -> SlideAttention {
        let file = try SafeTensorsFile(url: url)
        for name in ["word_scores", "bag_scores"] where !file.contains(name) {
            throw ReportFileError(path: url.path, problem: "has no tensor '\(name)' (found: \(file.names.joined(separator: ", "))); "
                                  + "write it with hatnet attend")
        }
        let wordScores = try file.tensor(named: "word_scores"), bagScores = try file.tensor(named: "bag_scores")
        try wordScores.requireFinite("\(url.path): tensor 'word_scores'")
        try bagScores.requireFinite("\(url.path): tensor 'bag_scores'")
        guard wordScores.rank == 3, bagScores.rank == 2, wordScores.shape[0] == bagScores.shape[0],
              wordScores.shape[1] == bagScores.shape[1], index >= 0, index < wordScores.shape[0] else {
            throw ReportFileError(path: url.path, problem: "word_scores \(wordScores.shape) and bag_scores \(bagScores.shape) are not "
                                  + "[B, Nb, Nw] and [B, Nb] with slide \(index) among the B")
        }
        let bags = wordScores.shape[1], wordsPerBag = wordScores.shape[2]
        let slideWords = Tensor(shape: [bags, wordsPerBag],
                                scalars: Array(wordScores.scalars[index * bags * wordsPerBag..<(index + 1) * bags * wordsPerBag]))
        let slideBags = Tensor(shape: [bags], scalars: Array(bagScores.scalars[index * bags..<(index + 1) * bags]))
        let (width, height) = source.dimensions
        if file.contains("word_regions") {
            let regions = try file.tensor(named: "word_regions")
            guard regions.shape == [bags, wordsPerBag, 4] else {
                throw ReportFileError(path: url.path, problem: "word_regions has shape \(regions.shape), expected [\(bags), \(wordsPerBag), 4]")
            }
            let geometry = try WordGeometry(tensor: regions, source: url.path)
            return SlideAttention(slideWidth: width, slideHeight: height, geometry: geometry, wordScores: slideWords, bagScores: slideBags)
        }
        guard let layout else {
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
