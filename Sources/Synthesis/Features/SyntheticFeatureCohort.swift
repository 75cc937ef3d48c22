import TensorKit

/// Generated CNN word features with a known, learnable structure, for exercising training without
/// slides: every slide is `[Nb, Nw, F]` Gaussian noise, and slides of class `k` carry a few
/// "lesion" words (at random positions) shifted along a class-specific direction.
public struct SyntheticFeatureCohort {
    public let words: [Tensor]
    public let labels: [Int]

    public init(slides: Int, numClasses: Int, numBagsWords: Int, features: Int, lesionWords: Int = 6,
                signal: Float = 1.5, seed: UInt64, classDirectionSeed: UInt64 = 42) {
        // The class directions depend only on `classDirectionSeed`, so cohorts drawn with different
        // seeds (training, held-out) share the same classes.
        var directionGenerator = SeededGenerator(seed: classDirectionSeed)
        let directions = (0..<numClasses).map { _ in Tensor.normal([features], generator: &directionGenerator) }
        var generator = SeededGenerator(seed: seed)
        let positions = numBagsWords * numBagsWords
        var words: [Tensor] = [], labels: [Int] = []
        for slide in 0..<slides {
            let label = slide % numClasses
            var values = Tensor.normal([positions, positions, features], generator: &generator).scalars
            for _ in 0..<lesionWords {
                let position = Int(generator.next() % UInt64(positions * positions))
                for feature in 0..<features {
                    values[position * features + feature] += signal * directions[label].scalars[feature]
                }
            }
            words.append(Tensor(shape: [positions, positions, features], scalars: values))
            labels.append(label)
        }
        self.words = words
        self.labels = labels
    }
}
