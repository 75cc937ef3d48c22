import TensorKit

/// The reference's word normalisation: `(value / 255 − mean) / std` per channel with the ImageNet
/// statistics, computed in `Double` as NumPy does and then rounded to `Float`.
public enum ImageNetNormalization {
    public static let mean: [Double] = [0.485, 0.456, 0.406]
    public static let standardDeviation: [Double] = [0.229, 0.224, 0.225]

    /// `table[channel * 256 + value]` is the normalised value of an 8-bit sample.
    public static let table: [Float] = (0..<3).flatMap { channel in
        (0..<256).map { value in Float((Double(value) / 255.0 - mean[channel]) / standardDeviation[channel]) }
    }

    /// The words of one bag image (`bagSize × bagSize`) as `[wordsPerBag, wordSize, wordSize, 3]`
    /// scalars: words in the reference's column-major order, each channels-last as the image is
    /// (and as the encoders compute), normalised. ``WordBag/channelsFirstWords`` gives the
    /// reference's `[wordsPerBag, 3, wordSize, wordSize]`.
    public static func words(ofBag bag: RGBImage, layout: WordGridLayout) -> [Float] {
        precondition(bag.width == layout.bagSize && bag.height == layout.bagSize,
                     "ImageNetNormalization.words: bag image is \(bag.width)×\(bag.height), layout needs \(layout.bagSize)²")
        let word = layout.wordSize, rowLength = word * 3
        let count = layout.wordsPerBag * word * rowLength
        // Every value is written below.
        var scalars = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        table.withUnsafeBufferPointer { lookup in
            bag.pixels.withUnsafeBufferPointer { pixels in
                scalars.withUnsafeMutableBufferPointer { output in
                    for wordIndex in 0..<layout.wordsPerBag {
                        let square = layout.wordRectangleInBag(wordIndex)
                        for row in 0..<word {
                            // One word row is a contiguous run of `word` RGB pixels in the bag.
                            let source = ((square.y + row) * layout.bagSize + square.x) * 3
                            let target = (wordIndex * word + row) * rowLength
                            for column in stride(from: 0, to: rowLength, by: 3) {
                                output[target + column] = lookup[Int(pixels[source + column])]
                                output[target + column + 1] = lookup[256 + Int(pixels[source + column + 1])]
                                output[target + column + 2] = lookup[512 + Int(pixels[source + column + 2])]
                            }
                        }
                    }
                }
            }
        }
        return scalars
    }
}
