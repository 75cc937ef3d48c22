import ArgumentParser
import FeatureInterop
import FileOutput
import Foundation
import Pipeline
import Slides

/// `hatnet import`: features other tools made, brought into HATNet's feature cache.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Bring features made by other tools (TRIDENT, CLAM) into HATNet's feature cache.",
        subcommands: [ImportFeaturesCommand.self])
}

/// `hatnet import features`: TRIDENT/CLAM patch features pooled onto HATNet's word grid.
struct ImportFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Turn TRIDENT or CLAM patch features (.h5) into HATNet's [bags, words, F] feature cache.",
        discussion: """
        For every slide of the split files (image_id,label lines), reads <h5-dir>/<image_id>.h5 \
        (`features` [N, F], `coords` [N, 2] level-0 top-left corners; the patch size from the \
        attributes: TRIDENT patch_size_level0, CLAM patch_size · downsample) and opens \
        <img-dir>/<image_id>.<img-extn> for its size. At every scale (word-size + scale-factor·m) \
        each word's feature is the mean of the features of the patches whose centre lies inside the \
        word's level-0 rectangle; a word with no patch gets zeros and tissue fraction 0, otherwise \
        the share of the word the patches cover. The result is an ordinary feature-cache entry \
        (view 0) under <features-dir>/<format>-<encoder>-<hash>/, the directory to pass to \
        `hatnet train --features` (with --views 1) and to `predict`/`visualize --features`. \
        Patches of any size and magnification are accepted; every file is checked (datasets, \
        dtypes, shapes, finite values, the slide size it records, every patch on the slide) before \
        its entry is written. Running again replaces the entries.
        """)

    @Argument(help: ArgumentHelp("Split files whose slides to import (e.g. train.txt val.txt test.txt).", valueName: "SPLIT"))
    var splits: [String]

    @Option(help: "Layout of the .h5 files: \(PatchFeatureFormat.allCases.map(\.rawValue).joined(separator: " | ")).")
    var format: PatchFeatureFormat

    @Option(help: ArgumentHelp("Directory of the <image_id>.h5 patch-feature files.", valueName: "DIR")) var h5Dir: String
    @Option(help: ArgumentHelp("CLAM: directory of the create_patches_fp.py <image_id>.h5 files, for the patch size.", valueName: "DIR"))
    var patchesDir: String?
    @Option(help: ArgumentHelp("Patch side in level-0 pixels (overrides the files' attributes).", valueName: "PIXELS"))
    var patchSizeLevel0: Double?
    @Option(help: "Encoder name for the cache (default: the files' `encoder` attribute).") var encoderName: String?

    @Option(help: "Directory of the slides (opened for their size).") var imgDir: String
    @Option(help: "Slide file extension, without the dot.") var imgExtn = "tiff"
    @Option(help: ArgumentHelp("Root of the feature cache.", valueName: "DIR")) var featuresDir = "features"

    @Flag(name: .customLong("keep-aspect"), help: "Fit the slide into the grid keeping its aspect ratio (as features --keep-aspect).")
    var keepAspect = false

    @OptionGroup var featureSet: FeatureSetOptions

    func validate() throws {
        guard featureSet.views == 1 else {
            throw ValidationError("--views must be 1: imported features have only the untransformed view (augmented views need "
                                  + "the slide's pixels); train with --views 1")
        }
        try libraryRule { try importOptions().validate() }
        for (directory, option) in [(h5Dir, "--h5-dir"), (imgDir, "--img-dir")] + (patchesDir.map { [($0, "--patches-dir")] } ?? []) {
            if OutputGuard.sameFile(URL(fileURLWithPath: featuresDir), URL(fileURLWithPath: directory)) {
                throw ValidationError("--features-dir \(featuresDir) is the input directory \(option); choose another directory for the cache")
            }
        }
    }

    private func importOptions() -> PatchFeatureImport.Options {
        PatchFeatureImport.Options(format: format, h5Directory: URL(fileURLWithPath: h5Dir, isDirectory: true),
                                   patchesDirectory: patchesDir.map { URL(fileURLWithPath: $0, isDirectory: true) },
                                   patchSizeLevel0: patchSizeLevel0, encoderName: encoderName, keepAspect: keepAspect,
                                   scales: featureSet.trainingOptions.trainingScales)
    }

    func run() throws {
        let slides = try splitSlides(splits, classNames: featureSet.classNames.names, imageDirectory: imgDir, imageExtension: imgExtn)
        let job = PatchFeatureImport(options: importOptions(), featuresRoot: URL(fileURLWithPath: featuresDir, isDirectory: true))
        let scales = job.options.scales
        print("\(slides.count) slides × \(scales.count) scales (\(scales.map(\.description).joined(separator: ", "))) from \(format.rawValue) "
              + "patch features in \(h5Dir)")
        let line = ProgressLine()
        let (cache, summary) = try job.run(slides: slides) { progress in
            let eta = progress.remainingSeconds.map { String(format: "ETA %.0f s", $0) } ?? "ETA –"
            line.update("[\(progress.done)/\(progress.total)] \(progress.item)  \(String(format: "%.0f", progress.elapsedSeconds)) s, \(eta)",
                        force: progress.done == progress.total)
        }
        line.finish()
        print("cache \(cache.directory.path)")
        for slide in summary where slide.assigned < slide.read {
            warn("\(slide.imageID): \(slide.read - slide.assigned) of \(slide.read) patches have their centre on no word (grid padding) and were left out")
        }
        let patches = summary.reduce(0) { $0 + $1.read }
        print("imported \(summary.count) slide(s), \(patches) patches, as \(cache.key.encoderName); pass --features \(cache.directory.path) "
              + "--views 1 to `hatnet train`")
    }
}
