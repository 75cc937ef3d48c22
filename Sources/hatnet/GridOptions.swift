import ArgumentParser
import Slides

/// `--bag-size`, `--word-size`: the bag and word grid (``WordGridLayout``), defaulting to
/// ``WordGridLayout/standard`` and checked by ``WordGridLayout/init(validatingBagSize:wordSize:)``.
/// Shared by `words`, `features`, `train` and `visualize`.
struct GridSizeOptions: ParsableArguments {
    @Option(help: "Bag size in pixels (a multiple of --word-size).")
    var bagSize = WordGridLayout.standard.bagSize

    @Option(help: "Word size in pixels.")
    var wordSize = WordGridLayout.standard.wordSize

    // The spellings `words` and `visualize` had before: still accepted (and then taking
    // precedence), not shown in the help.
    @Option(name: .customLong("bag"), help: .hidden) var legacyBag: Int?
    @Option(name: .customLong("word"), help: .hidden) var legacyWord: Int?

    /// The bag and word size asked for.
    var sizes: (bag: Int, word: Int) { (legacyBag ?? bagSize, legacyWord ?? wordSize) }

    /// The grid, or a ``ValidationError`` naming both options.
    func layout() throws -> WordGridLayout {
        let (bag, word) = sizes
        return try libraryRule("--bag-size \(bag) and --word-size \(word)") {
            try WordGridLayout(validatingBagSize: bag, wordSize: word)
        }
    }

    func validate() throws { _ = try layout() }
}

/// `--level`/`--mpp`, `--keep-aspect`, `--tissue`/`--no-tissue`: how a slide is cut into the
/// grid (``WordGridOptions``, defaulting to ``WordGridOptions/standard`` and checked by
/// ``WordGridOptions/validate()``). Shared by `words`, `features`, `predict` and `visualize`, so
/// a slide is cut the same way for training and for diagnosis.
struct GridOptions: ParsableArguments {
    @Option(help: "Pyramid level to read (default: the coarsest level at least as large as the grid).")
    var level: Int?

    @Option(help: "Read the level closest to this many microns per pixel (needs the slide's mpp).")
    var mpp: Double?

    @Flag(name: .customLong("keep-aspect"), help: "Fit the slide into the grid keeping its aspect ratio (white padding) instead of stretching it.")
    var keepAspect = WordGridOptions.standard.keepAspect

    @Flag(inversion: .prefixedNo,
          help: ArgumentHelp("Detect tissue and record each word's tissue fraction (the same default in every command, so "
                             + "`predict` and `visualize` cut slides as `features` did)."))
    var tissue = WordGridOptions.standard.detectTissue

    /// The options asked for.
    var options: WordGridOptions {
        var options = WordGridOptions.standard
        options.keepAspect = keepAspect
        options.detectTissue = tissue
        if let level { options.level = .level(level) }
        if let mpp { options.level = .micronsPerPixel(mpp) }
        return options
    }

    func validate() throws {
        guard level == nil || mpp == nil else { throw ValidationError("give either --level or --mpp, not both") }
        try libraryRule { try options.validate() }
    }
}
