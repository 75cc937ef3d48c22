import ArgumentParser
import Foundation
import Slides

/// `hatnet slide …`: inspect slides.
struct SlideCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slide",
        abstract: "Inspect a whole-slide image or plain image.",
        subcommands: [SlideInfoCommand.self, SlideThumbnailCommand.self])
}

struct SlideInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print dimensions, pyramid levels, microns per pixel, vendor and properties.")

    @Argument(help: "Slide or image file (OpenSlide formats, PNG, JPEG, TIFF).")
    var file: String

    @Flag(help: "Also print every vendor property.")
    var properties = false

    func run() throws {
        let slide = try openSlide(URL(fileURLWithPath: file))
        let (width, height) = slide.dimensions
        print("file: \(file)")
        print("vendor: \(slide.vendor)")
        print("dimensions: \(width) x \(height)")
        if let mpp = slide.micronsPerPixel {
            print("microns per pixel: \(mpp.x) x \(mpp.y)")
        } else {
            print("microns per pixel: unknown")
        }
        print("levels: \(slide.levels.count)")
        for (index, level) in slide.levels.enumerated() {
            print("  level \(index): \(level.width) x \(level.height), downsample \(String(format: "%.4f", level.downsample))")
        }
        if properties {
            for key in slide.properties.keys.sorted() { print("  \(key) = \(slide.properties[key]!)") }
        }
    }
}

struct SlideThumbnailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbnail", abstract: "Write a PNG overview of the slide (read from a small pyramid level).")

    @Argument(help: "Slide or image file.")
    var file: String

    @Option(help: "Output PNG path.")
    var out: String

    @Option(name: .customLong("max-size"), help: "Longest side of the thumbnail in pixels.")
    var maxSize: Int = 1024

    @Flag(help: "Replace the --out file if it exists.")
    var overwrite = false

    @Flag(name: .customLong("tissue-mask"), help: "Write the detected tissue mask (white = tissue) instead of the image.")
    var tissueMask = false

    func validate() throws {
        guard (1...16384).contains(maxSize) else { throw ValidationError("--max-size must be 1 to 16384 pixels, got \(maxSize)") }
        try requireNewOutput(out, option: "--out", distinctFrom: [(file, "FILE")], overwrite: overwrite)
    }

    func run() throws {
        let slide = try openSlide(URL(fileURLWithPath: file))
        let output = URL(fileURLWithPath: out)
        if tissueMask {
            let mask = try TissueMask.detect(in: slide, maxDimension: maxSize)
            try PNGImage.writeGray(mask.grayBytes, width: mask.width, height: mask.height, to: output)
            print("wrote \(out) (\(mask.width) x \(mask.height) tissue mask)")
        } else {
            let thumbnail = try SlideThumbnail.render(slide, maxDimension: maxSize)
            try PNGImage.write(thumbnail, to: output)
            print("wrote \(out) (\(thumbnail.width) x \(thumbnail.height))")
        }
    }
}
