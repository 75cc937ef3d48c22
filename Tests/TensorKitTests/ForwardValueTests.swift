import Testing
@testable import TensorKit

/// Forward values checked against numbers derived by hand.
@Suite struct ForwardValueTests {
    @Test func broadcastingAddAndMultiply() {
        let matrix = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let row = Tensor([10, 20, 30])
        let column = Tensor(shape: [2, 1], scalars: [2, 3])
        #expect((matrix + row).scalars == [11, 22, 33, 14, 25, 36])
        #expect((matrix * column).scalars == [2, 4, 6, 12, 15, 18])
        #expect((row - column).shape == [2, 3])
        #expect((row - column).scalars == [8, 18, 28, 7, 17, 27])
    }

    @Test func matmulOfSmallMatrices() {
        // [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(a.matmul(b).scalars == [19, 22, 43, 50])
        #expect(a.matmul(b, transposeB: true).scalars == [17, 23, 39, 53])
        #expect(a.matmul(b, transposeA: true).scalars == [26, 30, 38, 44])
    }
}
