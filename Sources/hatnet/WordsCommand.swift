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
        width, height), plus `tissue_fraction` [bags, words] unless --no-tissue. By default words are \
        resampled from the coarsest pyramid level that is still at least as large as the grid; \
        --level 0 reproduces the reference (which resizes level 0) exactly.
        """)

    @Argument(help: "Slide or image file.")
    var file: String

    @OptionGroup var gridSize: GridSizeOptions

    @OptionGroup var grid: GridOptions

    @Option(help: "Output .safetensors path.")
    var output: String

    @Flag(help: "Replace the --output file if it exists.")
    var overwrite = false

    func validate() throws {
        try requireNewOutput(output, option: "--output", distinctFrom: [(file, "FILE")], overwrite: overwrite)
    }

    func run() throws {
        removeStaleTemporaryFiles(nextTo: output)
        let slide = try openSlide(URL(fileURLWithPath: file))
        let options = grid.options, layout = try gridSize.layout()
        let extractor = WordGridExtractor(bagSize: layout.bagSize, wordSize: layout.wordSize, options: options)
        let placement = try extractor.placement(for: slide)
        if let warning = placement.upsamplingWarning { warn("\(file): \(warning)") }
        let metadata = [
            "source": file, "bag_size": String(layout.bagSize), "word_size": String(layout.wordSize), "level": String(placement.level),
            "keep_aspect": String(options.keepAspect), "order": "reference column-major (bag = column * n + row)",
        ]
        let wordsShape = [layout.bagCount, layout.wordsPerBag, 3, layout.wordSize, layout.wordSize]
        var tensors: [(name: String, shape: [Int])] = [("words", wordsShape), ("word_regions", [layout.bagCount, layout.wordsPerBag, 4])]
        if options.detectTissue { tensors.append(("tissue_fraction", [layout.bagCount, layout.wordsPerBag])) }
        // Bags are streamed into the file: memory holds a few bags, never the whole grid.
        try SafeTensorsStreamWriter.write(to: URL(fileURLWithPath: output), metadata: metadata, tensors: tensors) { stream in
            var regions: [Float] = [], fractions: [Float] = []
            try extractor.forEachBag(in: slide) { bag in
                try stream.append(bag.channelsFirstWords.scalars)
                regions += bag.wordRegions.regionScalars
                fractions += bag.tissueFractions ?? []
            }
            try stream.append(regions)
            if options.detectTissue { try stream.append(fractions) }
        }
        print("wrote \(output): words \(wordsShape) from level \(placement.level)")
    }
}
