import Foundation
import TensorKit

/// Constructor arguments of the HATNet attention model (`MIModel`), as in the reference.
public struct HATNetConfiguration: Codable, Equatable, Sendable {
    /// How a feature vector is reduced to one energy (`attn_type`).
    public enum EnergyReduction: String, Codable, Sendable, CaseIterable {
        /// `torch.norm(p=1)` over features.
        case l1
        /// `torch.norm(p=2)` over features.
        case l2
        /// Plain sum over features.
        case avg
    }

    /// How energies become attention weights (`attn_fn`).
    public enum AttentionFunction: String, Codable, Sendable, CaseIterable {
        case softmax, sigmoid, tanh
    }

    public var numClasses: Int
    /// Width of each CNN word feature (F).
    public var cnnFeatures: Int
    /// Width inside the attention network (d).
    public var outFeatures: Int
    /// Bags per side of the grid, n = bag size / word size; a slide has n² bags of n² words.
    public var numBagsWords: Int
    public var numHeads: Int
    public var dropout: Float
    public var attentionDropout: Float
    public var energyReduction: EnergyReduction
    public var attentionFunction: AttentionFunction

    public init(numClasses: Int = 4, cnnFeatures: Int, outFeatures: Int = 256, numBagsWords: Int, numHeads: Int = 4,
                dropout: Float = 0.4, attentionDropout: Float = 0.2, energyReduction: EnergyReduction = .l2,
                attentionFunction: AttentionFunction = .softmax) {
        self.numClasses = numClasses
        self.cnnFeatures = cnnFeatures
        self.outFeatures = outFeatures
        self.numBagsWords = numBagsWords
        self.numHeads = numHeads
        self.dropout = dropout
        self.attentionDropout = attentionDropout
        self.energyReduction = energyReduction
        self.attentionFunction = attentionFunction
    }

    /// Words per bag and bags per slide (n²).
    public var positionsPerGrid: Int { numBagsWords * numBagsWords }

    enum CodingKeys: String, CodingKey {
        case numClasses = "n_classes", cnnFeatures = "cnn_feature_sz", outFeatures = "out_features"
        case numBagsWords = "num_bags_words", numHeads = "attn_heads", dropout, attentionDropout = "attn_p"
        case energyReduction = "attn_type", attentionFunction = "attn_fn"
    }

    /// Upper bounds that keep every size computation of the model far from overflow; the memory
    /// the model actually needs is checked against ``MemoryBudget`` as well.
    public static let maximumClasses = 10_000
    public static let maximumWidth = 1 << 16
    public static let maximumBagsWords = 32

    /// Checks the values a model can be built from, including that its parameters and one slide's
    /// attention fit in memory.
    /// - Throws: ``HATNetConfigurationError`` or ``SizeLimitError`` naming the field.
    public func validate() throws {
        func fail(_ message: String) -> HATNetConfigurationError { .invalid(message) }
        guard (2...Self.maximumClasses).contains(numClasses) else {
            throw fail("n_classes must be in 2…\(Self.maximumClasses), got \(numClasses)")
        }
        guard (1...Self.maximumWidth).contains(cnnFeatures) else {
            throw fail("cnn_feature_sz must be in 1…\(Self.maximumWidth), got \(cnnFeatures)")
        }
        guard (1...Self.maximumWidth).contains(outFeatures) else {
            throw fail("out_features must be in 1…\(Self.maximumWidth), got \(outFeatures)")
        }
        guard (1...Self.maximumBagsWords).contains(numBagsWords) else {
            throw fail("num_bags_words must be in 1…\(Self.maximumBagsWords) (bags a side = bag size / word size), got \(numBagsWords)")
        }
        guard numHeads > 0, outFeatures % numHeads == 0 else {
            throw fail("out_features (\(outFeatures)) must be divisible by attn_heads (\(numHeads))")
        }
        guard outFeatures % 2 == 0 else { throw fail("out_features must be even (the FFNs halve it), got \(outFeatures)") }
        guard (0..<1).contains(dropout), (0..<1).contains(attentionDropout) else {
            throw fail("dropout and attn_p must be in [0, 1), got \(dropout) and \(attentionDropout)")
        }
        // The largest allocations: the weights, and for one slide the features, the word-to-word
        // attention of every head and a few activations of width d per word.
        let positions = positionsPerGrid, words = positions * positions
        let parameters = cnnFeatures * outFeatures + 40 * outFeatures * outFeatures + 2 * positions * positions + numClasses * outFeatures
        let perSlide = words * cnnFeatures + numHeads * words * words + 16 * words * outFeatures
        try MemoryBudget.require(elements: 4 * parameters + 2 * perSlide, elementSize: MemoryLayout<Float>.size,
                                 for: "a HATNet model with n_classes \(numClasses), cnn_feature_sz \(cnnFeatures), out_features "
                                 + "\(outFeatures), num_bags_words \(numBagsWords) and attn_heads \(numHeads)")
    }
}

public enum HATNetConfigurationError: Error, CustomStringConvertible, LocalizedError {
    case invalid(String)
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(message): return "invalid HATNet configuration: \(message)"
        case let .unreadable(file, reason): return "\(file): \(reason)"
        }
    }
    public var errorDescription: String? { description }
}
