import Slides
import Testing

/// Bag and word sizes from users and files are checked before any grid exists.
@Suite struct GridLayoutValidationTests {
    @Test func usableSizesAreAccepted() throws {
        let authors = try WordGridLayout(validatingBagSize: 1792, wordSize: 256)
        #expect(authors.gridSize == 12544 && authors.bagCount == 49)
        #expect(try WordGridLayout(validatingBagSize: 32, wordSize: 32).gridSize == 32)
    }

    @Test(arguments: [(0, 32), (-64, 32), (64, 0), (96, 64), (1024, 1), (65536, 1), (4_611_686_018_427_387_904, 2_147_483_648),
                      (Int.max, 1), (Int.max - 1, Int.max / 2)])
    func unusableSizesAreErrors(_ sizes: (Int, Int)) {
        #expect(throws: GridLayoutError.self) { try WordGridLayout(validatingBagSize: sizes.0, wordSize: sizes.1) }
    }
}
