import ArgumentParser
import Checkpoints
import Foundation
import Slides

/// `hatnet words`: cut a slide into HATNet's bags and words and save them as safetensors.
struct WordsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "words",
        abstract: "Cut a slide into bags and words (reference order, ImageNet-normalised) and save them.",
        discussion: """
        Writes `words` [bags, words, 3, W, W] and `word_regions` [bags, words, 4] (level-0 x, y, \
        width, height), plus `tissue_fraction` [bags, words] with --tissue. By default words are \
        resampled from the coarsest pyramid level that is still at least as large as the grid; \
        --level 0 reproduces the reference (which resizes level 0) exactly.
        """)

    @Argument(help: "Slide or image file.")
    var file: String

    @Option(help: "Bag size in pixels (a multiple of the word size).")
    var bag: Int = 1792

    @Option(help: "Word size in pixels.")
    var word: Int = 256

    @Option(help: "Pyramid level to read (default: automatic).")
    var level: Int?

    @Option(help: "Read the level closest to this many microns per pixel (needs slide mpp).")
    var mpp: Double?

    @Flag(name: .customLong("keep-aspect"), help: "Fit the slide into the grid keeping its aspect ratio (white padding).")
    var keepAspect = false

    @Flag(help: "Detect tissue and save each word's tissue fraction.")
    var tissue = false

    @Option(help: "Output .safetensors path.")
    var output: String

    func validate() throws {
        guard word > 0, bag > 0, bag % word == 0 else { throw ValidationError("--bag must be a positive multiple of --word") }
        guard level == nil || mpp == nil else { throw ValidationError("give either --level or --mpp, not both") }
        if let level, level < 0 { throw ValidationError("--level must not be negative") }
        if let mpp, mpp <= 0 { throw ValidationError("--mpp must be positive") }
    }

    func run() throws {
        let slide = try openSlide(URL(fileURLWithPath: file))
        var options = WordGridOptions(keepAspect: keepAspect, detectTissue: tissue)
        if let level { options.level = .level(level) }
        if let mpp { options.level = .micronsPerPixel(mpp) }
        let grid = try WordGridExtractor(bagSize: bag, wordSize: word, options: options).extract(from: slide)
        var writer = SafeTensorsWriter(metadata: [
            "source": file, "bag_size": String(bag), "word_size": String(word), "level": String(grid.level),
            "keep_aspect": String(keepAspect), "order": "reference column-major (bag = column * n + row)",
        ])
        writer.add(grid.words, named: "words")
        writer.add(grid.wordRegionTensor, named: "word_regions")
        if let fractions = grid.tissueFractionTensor { writer.add(fractions, named: "tissue_fraction") }
        try writer.write(to: URL(fileURLWithPath: output))
        print("wrote \(output): words \(grid.words.shape) from level \(grid.level)")
    }
}
