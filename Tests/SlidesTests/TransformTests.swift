import Slides
import TensorKit
import Testing

/// Seeded training transforms and multi-scale bag/word sizes.
@Suite struct TransformTests {
    private func randomImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var generator = SeededGenerator(seed: seed)
        return RGBImage(width: width, height: height, pixels: (0..<width * height * 3).map { _ in UInt8(generator.next() % 256) })
    }

    @Test func theSameSeedGivesTheSameTransform() {
        let image = randomImage(width: 40, height: 32, seed: 1)
        let transform = RandomTransform()
        var outputs: [RGBImage] = []
        for _ in 0..<2 {
            var generator = SeededGenerator(seed: 77)
            outputs.append(transform.apply(to: image, generator: &generator))
        }
        #expect(outputs[0] == outputs[1])
        var draws: [RandomTransform.Draw] = []
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<64 { draws.append(transform.draw(width: 40, height: 32, generator: &generator)) }
        #expect(Set(draws.map { $0.flipCode ?? -1 }) == [-1, 0, 1])
        #expect(draws.allSatisfy { ($0.rotationDegrees ?? 0) >= -10 && ($0.rotationDegrees ?? 0) <= 10 })
        #expect(draws.allSatisfy { ($0.cropOrigin?.x ?? 0) <= 30 && ($0.cropOrigin?.y ?? 0) <= 24 })
        #expect(draws.contains { $0.rotationDegrees != nil } && draws.contains { $0.cropOrigin != nil })
    }

    @Test func flipsFollowOpenCVCodes() {
        let image = RGBImage(width: 2, height: 2, pixels: [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        #expect(ImageGeometry.flipped(image, code: 0).pixels == [3, 3, 3, 4, 4, 4, 1, 1, 1, 2, 2, 2])
        #expect(ImageGeometry.flipped(image, code: 1).pixels == [2, 2, 2, 1, 1, 1, 4, 4, 4, 3, 3, 3])
    }

    @Test func rotationKeepsTheCentreAndFillsCornersWithWhite() {
        let image = RGBImage(width: 21, height: 21, filledWith: (0, 0, 0))
        #expect(ImageGeometry.rotated(image, degrees: 0) == image)
        let rotated = ImageGeometry.rotated(image, degrees: 10)
        #expect(rotated[10, 10] == (0, 0, 0))
        #expect(rotated[0, 0] == (255, 255, 255))
    }

    @Test func cropAndRescaleKeepsTheSize() {
        let image = randomImage(width: 40, height: 32, seed: 2)
        var draw = RandomTransform.Draw()
        draw.cropOrigin = (10, 8)
        let output = RandomTransform().apply(draw, to: image)
        #expect(output.width == 40 && output.height == 32)
        // The bottom-right pixel survives a crop anchored at the bottom-right corner region.
        #expect(output[39, 31] == image[39, 31])
    }

    @Test func bagWordPairsMatchTheReference() {
        let pairs = BagWordPairs.make(bagSize: 1024, wordSize: 256)
        #expect(pairs.map { [$0.bagSize, $0.wordSize] } == [[768, 192], [896, 224], [1024, 256], [1152, 288], [1280, 320]])
        let authors = BagWordPairs.make(bagSize: 1792, wordSize: 256)
        #expect(authors.map(\.wordSize) == [192, 224, 256, 288, 320] && authors.allSatisfy { $0.bagSize == $0.wordSize * 7 })
    }
}
