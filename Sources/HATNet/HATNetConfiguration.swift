import Foundation

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

    /// Checks the values a model can be built from.
    public func validate() throws {
        func fail(_ message: String) -> HATNetConfigurationError { .invalid(message) }
        guard numClasses >= 2 else { throw fail("n_classes must be at least 2, got \(numClasses)") }
        guard cnnFeatures > 0 else { throw fail("cnn_feature_sz must be positive, got \(cnnFeatures)") }
        guard outFeatures > 0 else { throw fail("out_features must be positive, got \(outFeatures)") }
        guard numBagsWords > 0 else { throw fail("num_bags_words must be positive, got \(numBagsWords)") }
        guard numHeads > 0, outFeatures % numHeads == 0 else {
            throw fail("out_features (\(outFeatures)) must be divisible by attn_heads (\(numHeads))")
        }
        guard outFeatures % 2 == 0 else { throw fail("out_features must be even (the FFNs halve it), got \(outFeatures)") }
        guard (0..<1).contains(dropout), (0..<1).contains(attentionDropout) else {
            throw fail("dropout and attn_p must be in [0, 1), got \(dropout) and \(attentionDropout)")
        }
    }
}

public enum HATNetConfigurationError: Error, CustomStringConvertible {
    case invalid(String)
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(message): return "invalid HATNet configuration: \(message)"
        case let .unreadable(file, reason): return "\(file): \(reason)"
        }
    }
}
