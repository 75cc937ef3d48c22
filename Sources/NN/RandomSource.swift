import TensorKit

/// A seeded generator shared by every stochastic layer of a model (dropout), so that one seed
/// makes a whole training run reproducible.
public final class RandomSource {
    public var generator: SeededGenerator

    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
}
