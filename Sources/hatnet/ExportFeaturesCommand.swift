import ArgumentParser
import FeatureInterop
import FileOutput
import Foundation
import Pipeline
import Slides

extension PatchFeatureFormat: ExpressibleByArgument {}

/// `hatnet export features`: a feature cache as TRIDENT or CLAM patch-feature files.
struct ExportFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write cached word features as TRIDENT or CLAM .h5 files (one <image id>.h5 per slide).",
        discussion: """
        CACHE is the directory `hatnet features` printed. Each slide's untransformed words (view 0) \
        at one scale become `features` [N, F] float32 and `coords` [N, 2] int64 (each word's level-0 \
        top-left x, y; grid-padding words left out), with the attributes TRIDENT's save_h5 writes \
        (--format trident: patch_size, patch_size_level0, level0_width, level0_height, …) or CLAM's \
        patch attributes (--format clam: patch_size, patch_level, downsample, …). Files are written \
        atomically; existing files are refused unless --overwrite.
        """)

    @Argument(help: ArgumentHelp("Feature cache directory (printed by `hatnet features`).", valueName: "CACHE"))
    var cache: String

    @Option(help: "Layout: \(PatchFeatureFormat.allCases.map(\.rawValue).joined(separator: " | ")).")
    var format: PatchFeatureFormat

    @Option(help: ArgumentHelp("Output directory for the .h5 files (created if missing).", valueName: "DIR"))
    var out: String

    @Option(help: "Bag size of the scale to export (default: the cache's only scale).") var bagSize: Int?
    @Option(help: "Word size of the scale to export.") var wordSize: Int?

    @Flag(help: "Replace existing .h5 files in the output directory.")
    var overwrite = false

    func validate() throws {
        guard (bagSize == nil) == (wordSize == nil) else { throw ValidationError("give both --bag-size and --word-size, or neither") }
        _ = try scale()
        do {
            try OutputGuard.requireOutside(output: out, option: "--out", directory: cache, directoryOption: "CACHE")
        } catch let error as FileError {
            throw ValidationError(error.description)
        }
    }

    private func scale() throws -> WordGridLayout? {
        guard let bagSize, let wordSize else { return nil }
        return try libraryRule("--bag-size \(bagSize) and --word-size \(wordSize)") {
            try WordGridLayout(validatingBagSize: bagSize, wordSize: wordSize)
        }
    }

    func run() throws {
        let featureCache = try FeatureCache(directory: URL(fileURLWithPath: cache, isDirectory: true))
        try withOutputDirectory(out, purpose: "hatnet export features") {
            let export = PatchFeatureExport(cache: featureCache, format: format, outputDirectory: URL(fileURLWithPath: out, isDirectory: true),
                                            scale: try scale(), overwrite: overwrite)
            let items = try export.plan()
            let line = ProgressLine()
            for (index, item) in items.enumerated() {
                let words = try export.write(item)
                line.update("[\(index + 1)/\(items.count)] \(item.imageID): \(words) words", force: index + 1 == items.count)
            }
            line.finish()
            print("wrote \(items.count) \(format.rawValue) file(s) of \(featureCache.key.encoderName) features at \(items.first!.scale) to \(out)")
        }
    }
}
