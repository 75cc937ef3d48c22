import Foundation
@testable import Slides
import Testing

/// Opening slides and images, and the errors for files that are not readable images.
@Suite struct SlideSourceTests {
    @Test func openSlideReadsTheSyntheticPyramid() throws {
        let slide = try openSlide(SyntheticSlideFixture.url)
        #expect(slide is OpenSlideSource)
        #expect(slide.vendor == "generic-tiff")
        #expect(slide.dimensions == (1024, 768))
        #expect(slide.levels.count >= 3)
        #expect(slide.levels.map(\.width) == [1024, 512, 256])
        #expect(slide.levels[2].downsample == 4)
        #expect(slide.properties["tiff.ImageDescription"]?.contains("class=DCIS") == true)
        let region = try slide.readRegion(level: 1, x: 100, y: 50, width: 40, height: 30)
        #expect(region.width == 40 && region.height == 30)
    }

    @Test func libtiffAndOpenSlideDecodeTheSamePixels() throws {
        let slide = try openSlide(SyntheticSlideFixture.url)
        let viaOpenSlide = try slide.readLevel(0)
        let viaLibtiff = try TIFFImage.read(path: SyntheticSlideFixture.url.path)
        #expect(viaLibtiff.width == 1024 && viaLibtiff.height == 768)
        let maxDifference = zip(viaOpenSlide.pixels, viaLibtiff.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
        print("OpenSlide vs libtiff level 0: max difference \(maxDifference)")
        #expect(maxDifference <= 8)
    }

    @Test func pngRoundTripsAndIsReadAsAPlainImage() throws {
        let directory = try FixturePaths.temporaryDirectory("png")
        let url = directory.appendingPathComponent("square.png")
        var image = RGBImage(width: 3, height: 2)
        image.pixels = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
        try PNGImage.write(image, to: url)
        let source = try openSlide(url)
        #expect(source.vendor == "png")
        #expect(try source.readLevel(0) == image)
    }

    @Test func jpegIsReadAsAPlainImage() throws {
        let directory = try FixturePaths.temporaryDirectory("jpeg")
        let url = directory.appendingPathComponent("tiny.jpg")
        try Data(TinyJPEG.bytes).write(to: url)
        let source = try openSlide(url)
        #expect(source.vendor == "jpeg")
        #expect(source.dimensions == (8, 8))
        let pixels = try source.readLevel(0).pixels
        #expect(pixels.allSatisfy { $0 > 240 }, "the tiny JPEG is white")
    }

    private func expectError(_ url: URL, containing reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try openSlide(url)
            Issue.record("opening \(url.lastPathComponent) should fail", sourceLocation: sourceLocation)
        } catch let error as SlideError {
            let message = error.description
            #expect(message.contains(url.path), "message names the file: \(message)", sourceLocation: sourceLocation)
            #expect(message.contains(reason), "message says why: \(message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func unreadableFilesGiveClearErrors() throws {
        let directory = try FixturePaths.temporaryDirectory("errors")
        func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url
        }
        let png = try [UInt8](Data(contentsOf: FixturePaths.image("ihc.png")))
        let tiff = try [UInt8](Data(contentsOf: SyntheticSlideFixture.url))

        expectError(directory.appendingPathComponent("missing.svs"), containing: "no such file")
        expectError(try file("empty.png", []), containing: "empty")
        expectError(try file("notes.txt", Array("not an image at all\n".utf8)), containing: "not a slide or image")
        expectError(try file("truncated.png", Array(png.prefix(png.count / 2))), containing: "damaged PNG")
        expectError(try file("corrupt.png", Array(png.prefix(64)) + [UInt8](repeating: 0xAB, count: 4096)), containing: "damaged PNG")
        expectError(try file("truncated.jpg", Array(TinyJPEG.bytes.prefix(TinyJPEG.bytes.count - 40))), containing: "damaged JPEG")
        expectError(try file("corrupt.tiff", Array(tiff.prefix(8)) + [UInt8](repeating: 0x5A, count: 2048)), containing: "damaged")
        expectError(try file("truncated.tiff", Array(tiff.prefix(tiff.count / 3))), containing: "damaged")
        expectError(try file("zero.png", ZeroSizedPNG.bytes), containing: "damaged PNG")
        expectError(directory, containing: "directory")
    }
}

/// The JPEG tile fast path against OpenSlide's own decoding.
@Suite struct TileReaderTests {
    @Test func directTileDecodingMatchesOpenSlide() throws {
        let slide = try #require(try openSlide(SyntheticSlideFixture.url) as? OpenSlideSource)
        for (level, rectangle) in [(0, PixelRectangle(x: 200, y: 130, width: 300, height: 260)),
                                   (1, PixelRectangle(x: 0, y: 0, width: 512, height: 384)),
                                   (2, PixelRectangle(x: 250, y: 180, width: 6, height: 12))] {
            let fast = try slide.readRegion(level: level, x: rectangle.x, y: rectangle.y, width: rectangle.width, height: rectangle.height)
            let openSlide = try slide.readThroughOpenSlide(level: level, x: rectangle.x, y: rectangle.y,
                                                           width: rectangle.width, height: rectangle.height)
            let maxDifference = zip(fast.pixels, openSlide.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            print("tile reader vs OpenSlide, level \(level) \(rectangle): max difference \(maxDifference)")
            #expect(maxDifference <= 1)
        }
    }
}
