import Testing
@testable import TensorKit

/// ``AlignedFloats``: the first element on a 64-byte boundary whatever the size (Swift's own arrays
/// of ≥ 40 000 floats start 48 bytes into a line here), value semantics, and the feature maps and
/// weight panels the AVX-512 kernels read actually stored that way.
struct AlignedFloatsTests {
    @Test(arguments: [0, 1, 15, 16, 1000, 40_000, 1_000_000])
    func firstElementIsOnACacheLine(count: Int) {
        for _ in 0..<4 {
            let values = AlignedFloats(repeating: 1.5, count: count)
            values.withUnsafeBufferPointer { buffer in
                #expect(Int(bitPattern: buffer.baseAddress) % 64 == 0)
                #expect(buffer.count == count)
            }
            #expect(values.allSatisfy { $0 == 1.5 })
        }
    }

    @Test func copiesOnWriteAndComparesByValue() {
        let original = AlignedFloats([1, 2, 3, 4])
        var copy = original
        copy[2] = 30
        #expect(original.array == [1, 2, 3, 4])
        #expect(copy.array == [1, 2, 30, 4])
        #expect(original != copy)
        var same = copy
        same.withUnsafeMutableBufferPointer { $0[2] = 30 }
        #expect(same == copy)
        same.withUnsafeMutableBufferPointer { $0[0] = -1 }
        #expect(copy.array == [1, 2, 30, 4])
        #expect(same.array == [-1, 2, 30, 4])
        #expect(Array(copy[1..<3]) == [2, 30])
    }

    @Test func featureMapsAndPanelsAreAligned() {
        let map = FeatureMap(uninitializedBatchSize: 1, height: 128, width: 128, channels: 48)
        map.values.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress) % 64 == 0) }
        let wrapped = FeatureMap(batchSize: 1, height: 100, width: 100, channels: 4, values: [Float](repeating: 2, count: 40_000))
        wrapped.values.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress) % 64 == 0) }
        #expect(wrapped.values.allSatisfy { $0 == 2 })
        let convolution = Conv2d(weight: Tensor(repeating: 0.5, shape: [96, 1152, 1, 1]),
                                 geometry: ConvolutionGeometry(kernelSize: 1))
        convolution.packedWeights.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress) % 64 == 0) }
        if CPUFeatures.hasAVX2AndFMA {
            convolution.panels.withUnsafeBufferPointer { #expect(Int(bitPattern: $0.baseAddress) % 64 == 0) }
        }
    }
}
