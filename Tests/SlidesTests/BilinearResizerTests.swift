import Slides
import TensorKit
import Testing

/// `BilinearResizer` against values derived by hand from OpenCV's INTER_LINEAR arithmetic.
@Suite struct BilinearResizerTests {
    private func gray(_ values: [UInt8], width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height, pixels: values.flatMap { [$0, $0, $0] })
    }

    private func channel0(_ image: RGBImage) -> [UInt8] { stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] } }

    @Test func horizontalUpscaleUsesPixelCentresAndClampsTheEdges() {
        // scale 0.5: positions −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        // 100 · 512/2048 = 25, 100 · 1536/2048 = 75.
        let resized = BilinearResizer(sourceWidth: 2, sourceHeight: 1, destinationWidth: 4, destinationHeight: 1)
            .resize(gray([0, 100], width: 2, height: 1))
        #expect(channel0(resized) == [0, 25, 75, 100])
    }

    @Test func fixedPointRoundingMatchesOpenCV() {
        // 255 · 0.25 = 63.75 and 255 · 0.75 = 191.25 round to 64 and 191 through
        // ((D >> 4) · 2048 >> 16 + 2) >> 2 with D = 255 · 512 and 255 · 1536.
        let resized = BilinearResizer(sourceWidth: 2, sourceHeight: 1, destinationWidth: 4, destinationHeight: 1)
            .resize(gray([0, 255], width: 2, height: 1))
        #expect(channel0(resized) == [0, 64, 191, 255])
    }

    @Test func verticalUpscaleKeepsTheFractionAtTheBorder() {
        // Rows: position −0.25 blends row 0 with itself (weights 512, 1536), 0.25 and 0.75 blend
        // rows 0 and 1, 1.25 blends row 1 with itself.
        let resized = BilinearResizer(sourceWidth: 1, sourceHeight: 2, destinationWidth: 1, destinationHeight: 4)
            .resize(gray([0, 100], width: 1, height: 2))
        #expect(channel0(resized) == [0, 25, 75, 100])
    }

    @Test func halvingAveragesTwoByTwoBlocks() {
        // Scale 2: every output pixel sits between four inputs with equal weights; (10+20+30+41+2)/4 = 25.
        let resized = BilinearResizer(sourceWidth: 2, sourceHeight: 2, destinationWidth: 1, destinationHeight: 1)
            .resize(gray([10, 20, 30, 41], width: 2, height: 2))
        #expect(channel0(resized) == [25])
    }

    @Test func sameSizeIsTheIdentity() {
        var generator = SeededGenerator(seed: 5)
        let image = RGBImage(width: 7, height: 5, pixels: (0..<105).map { _ in UInt8(generator.next() % 256) })
        #expect(BilinearResizer(sourceWidth: 7, sourceHeight: 5, destinationWidth: 7, destinationHeight: 5).resize(image) == image)
    }

    @Test(arguments: [(53, 41, 120, 97), (120, 97, 53, 41), (64, 64, 37, 90)])
    func anyRectangleEqualsTheSameRectangleOfTheWholeResize(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) {
        var generator = SeededGenerator(seed: 11)
        let image = RGBImage(width: sourceWidth, height: sourceHeight,
                             pixels: (0..<sourceWidth * sourceHeight * 3).map { _ in UInt8(generator.next() % 256) })
        let resizer = BilinearResizer(sourceWidth: sourceWidth, sourceHeight: sourceHeight, destinationWidth: width, destinationHeight: height)
        let whole = resizer.resize(image)
        for rectangle in [PixelRectangle(x: 0, y: 0, width: 10, height: 7), PixelRectangle(x: 13, y: 5, width: 17, height: 23),
                          PixelRectangle(x: width - 9, y: height - 11, width: 9, height: 11)] {
            let needed = resizer.sourceRectangle(for: rectangle)
            let region = image.cropped(x: needed.x, y: needed.y, width: needed.width, height: needed.height)
            let part = resizer.resize(region: region, at: (needed.x, needed.y), destination: rectangle)
            #expect(part == whole.cropped(x: rectangle.x, y: rectangle.y, width: rectangle.width, height: rectangle.height),
                    "rectangle \(rectangle)")
        }
    }
}
