/// The reference's word normalisation: `(value / 255 − mean) / std` per channel with the ImageNet
/// statistics, computed in `Double` as NumPy does and then rounded to `Float`.
public enum ImageNetNormalization {
    public static let mean: [Double] = [0.485, 0.456, 0.406]
    public static let standardDeviation: [Double] = [0.229, 0.224, 0.225]

    /// `table[channel * 256 + value]` is the normalised value of an 8-bit sample.
    public static let table: [Float] = (0..<3).flatMap { channel in
        (0..<256).map { value in Float((Double(value) / 255.0 - mean[channel]) / standardDeviation[channel]) }
    }

    /// The words of one bag image (`bagSize × bagSize`) as `[wordsPerBag, 3, wordSize, wordSize]`
    /// scalars, words in the reference's column-major order, channel-first, normalised.
    public static func words(ofBag bag: RGBImage, layout: WordGridLayout) -> [Float] {
        precondition(bag.width == layout.bagSize && bag.height == layout.bagSize,
                     "ImageNetNormalization.words: bag image is \(bag.width)×\(bag.height), layout needs \(layout.bagSize)²")
        let word = layout.wordSize, plane = word * word
        var scalars = [Float](repeating: 0, count: layout.wordsPerBag * 3 * plane)
        table.withUnsafeBufferPointer { lookup in
            bag.pixels.withUnsafeBufferPointer { pixels in
                scalars.withUnsafeMutableBufferPointer { output in
                    for wordIndex in 0..<layout.wordsPerBag {
                        let square = layout.wordRectangleInBag(wordIndex)
                        let wordBase = wordIndex * 3 * plane
                        for row in 0..<word {
                            let pixelRow = ((square.y + row) * layout.bagSize + square.x) * 3
                            for column in 0..<word {
                                let pixel = pixelRow + column * 3
                                let position = wordBase + row * word + column
                                output[position] = lookup[Int(pixels[pixel])]
                                output[position + plane] = lookup[256 + Int(pixels[pixel + 1])]
                                output[position + 2 * plane] = lookup[512 + Int(pixels[pixel + 2])]
                            }
                        }
                    }
                }
            }
        }
        return scalars
    }
}
