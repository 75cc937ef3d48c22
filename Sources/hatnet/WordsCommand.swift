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
        _ = try validatedLayout(bag: bag, word: word, bagOption: "--bag", wordOption: "--word")
        guard level == nil || mpp == nil else { throw ValidationError("give either --level or --mpp, not both") }
        if let level, level < 0 { throw ValidationError("--level must not be negative, got \(level)") }
        if let mpp, !(mpp.isFinite && mpp > 0) { throw ValidationError("--mpp must be a positive number of microns, got \(mpp)") }
        try requireOutput(output, option: "--output", distinctFrom: [(file, "FILE")])
    }

    func run() throws {
        removeStaleTemporaryFiles(nextTo: output)
        let slide = try openSlide(URL(fileURLWithPath: file))
        var options = WordGridOptions(keepAspect: keepAspect, detectTissue: tissue)
        if let level { options.level = .level(level) }
        if let mpp { options.level = .micronsPerPixel(mpp) }
        let extractor = WordGridExtractor(bagSize: bag, wordSize: word, options: options)
        let layout = extractor.layout
        let placement = try extractor.placement(for: slide)
        if let warning = placement.upsamplingWarning { warn("\(file): \(warning)") }
        let metadata = [
            "source": file, "bag_size": String(bag), "word_size": String(word), "level": String(placement.level),
            "keep_aspect": String(keepAspect), "order": "reference column-major (bag = column * n + row)",
        ]
        let wordsShape = [layout.bagCount, layout.wordsPerBag, 3, layout.wordSize, layout.wordSize]
        var tensors: [(name: String, shape: [Int])] = [("words", wordsShape), ("word_regions", [layout.bagCount, layout.wordsPerBag, 4])]
        if tissue { tensors.append(("tissue_fraction", [layout.bagCount, layout.wordsPerBag])) }
        // Bags are streamed into the file: memory holds a few bags, never the whole grid.
        try SafeTensorsStreamWriter.write(to: URL(fileURLWithPath: output), metadata: metadata, tensors: tensors) { stream in
            var regions: [Float] = [], fractions: [Float] = []
            try extractor.forEachBag(in: slide) { bag in
                try stream.append(bag.channelsFirstWords.scalars)
                regions += bag.wordRegions.regionScalars
                fractions += bag.tissueFractions ?? []
            }
            try stream.append(regions)
            if tissue { try stream.append(fractions) }
        }
        print("wrote \(output): words \(wordsShape) from level \(placement.level)")
    }
}
