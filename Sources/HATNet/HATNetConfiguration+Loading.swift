import FileOutput
import Foundation

extension HATNetConfiguration {
    /// Width of the pooled features of the reference's ImageNet encoders (`base_extractor`, `s`):
    /// 1280 for MobileNetV2 and MNASNet at 1.0 and ESPNetv2 at s = 2.0; 1024 for ESPNetv2 s 0.5–1.5.
    /// The reference's `BaseFeatureExtractor` always builds MobileNetV2 at width 1.0 whatever `s`
    /// says (the released mobilenetv2 config records `"s": 2.0`), so `s` is ignored for it.
    public static func cnnFeatures(encoder: String, scale: Double) -> Int? {
        switch (encoder.lowercased(), scale) {
        case ("mobilenetv2", _), ("mnasnet", 1.0), ("espnetv2", 2.0), ("efficientnet-lite0", _): return 1280
        case ("espnetv2", 0.5), ("espnetv2", 1.0), ("espnetv2", 1.25), ("espnetv2", 1.5): return 1024
        default: return nil
        }
    }

    /// Reads a configuration file in either of two forms:
    /// - ours (`mimodel_*.json`): `n_classes`, `cnn_feature_sz`, `out_features`, `num_bags_words`,
    ///   `attn_heads`, `dropout`, `attn_p`, `attn_type`, `attn_fn`;
    /// - the authors' model-zoo config (`model_zoo/*_config_*.json`): `bag_size`, `word_size`,
    ///   `base_extractor`, `s`, `out_features`, `attn_heads`, `attn_fn`, `attn_type`, `dropout`,
    ///   `attn_p`; `num_bags_words` = bag/word, the CNN width from the encoder, and 4 classes
    ///   (benign, atypia, DCIS, invasive) unless `n_classes` is given.
    public static func load(from url: URL) throws -> HATNetConfiguration {
        let data: Data
        do { data = try FileContents.read(url, maximumBytes: 1 << 24, kind: "configuration") } catch let error as FileError {
            throw HATNetConfigurationError.unreadable(file: url.path, reason: error.problem)
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw HATNetConfigurationError.unreadable(file: url.path, reason: "is not valid JSON (\(JSONProblem.describe(error)))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw HATNetConfigurationError.unreadable(file: url.path, reason: "is JSON but not an object of configuration fields")
        }
        let configuration: HATNetConfiguration
        if dictionary["num_bags_words"] != nil {
            for key in ["n_classes", "cnn_feature_sz", "out_features", "num_bags_words", "attn_heads"] {
                if let number = JSONProblem.number(dictionary[key]), JSONProblem.exactInteger(number) == nil {
                    throw HATNetConfigurationError.unreadable(file: url.path, reason: "'\(key)' must be a whole number, got \(number)")
                }
            }
            do { configuration = try JSONDecoder().decode(HATNetConfiguration.self, from: data) } catch {
                throw HATNetConfigurationError.unreadable(file: url.path, reason: "is not a HATNet configuration: \(JSONProblem.describe(error, data: data))")
            }
        } else if dictionary["bag_size"] != nil {
            configuration = try fromModelZoo(dictionary, file: url.path)
        } else {
            throw HATNetConfigurationError.unreadable(
                file: url.path, reason: "neither a HATNet configuration (num_bags_words) nor a model-zoo config (bag_size, word_size)")
        }
        do { try configuration.validate() } catch {
            throw HATNetConfigurationError.unreadable(file: url.path, reason: "\(error)")
        }
        return configuration
    }

    private static func fromModelZoo(_ dictionary: [String: Any], file: String) throws -> HATNetConfiguration {
        func failure(_ reason: String) -> HATNetConfigurationError { .unreadable(file: file, reason: reason) }
        /// A whole number in `range`, from a JSON number that holds one exactly.
        func integer(_ key: String, in range: ClosedRange<Int>, default fallback: Int? = nil) throws -> Int {
            guard let value = dictionary[key] else {
                if let fallback { return fallback }
                throw failure("model-zoo config lacks the number '\(key)'")
            }
            guard let number = JSONProblem.number(value), let whole = JSONProblem.exactInteger(number), range.contains(whole) else {
                throw failure("'\(key)' must be a whole number in \(range.lowerBound)…\(range.upperBound), got \(value)")
            }
            return whole
        }
        func fraction(_ key: String, default fallback: Float) throws -> Float {
            guard let value = dictionary[key] else { return fallback }
            guard let number = JSONProblem.number(value), number.isFinite else {
                throw failure("'\(key)' must be a finite number, got \(value)")
            }
            return Float(number)
        }
        func text(_ key: String, default fallback: String) throws -> String {
            guard let value = dictionary[key] else { return fallback }
            guard let string = value as? String else { throw failure("'\(key)' must be a string") }
            return string
        }
        let maximumSide = 1 << 20
        let bagSize = try integer("bag_size", in: 1...maximumSide), wordSize = try integer("word_size", in: 1...maximumSide)
        guard bagSize % wordSize == 0 else {
            throw failure("bag_size \(bagSize) must be a multiple of word_size \(wordSize)")
        }
        let encoder = try text("base_extractor", default: "espnetv2")
        let scale: Double
        if let value = dictionary["s"] {
            guard let number = JSONProblem.number(value), number.isFinite else {
                throw failure("'s' must be a finite number, got \(value)")
            }
            scale = number
        } else {
            scale = 1.0
        }
        guard let cnnFeatures = cnnFeatures(encoder: encoder, scale: scale) else {
            throw failure("base_extractor \(encoder) with s = \(scale) is not one of the reference's encoders "
                          + "(espnetv2 with s 0.5, 1.0, 1.25, 1.5 or 2.0; mobilenetv2; mnasnet with s 1.0)")
        }
        guard let energy = EnergyReduction(rawValue: try text("attn_type", default: "l2")),
              let function = AttentionFunction(rawValue: try text("attn_fn", default: "softmax")) else {
            throw failure("attn_type must be l1|l2|avg and attn_fn softmax|sigmoid|tanh")
        }
        return HATNetConfiguration(
            numClasses: try integer("n_classes", in: 2...Self.maximumClasses, default: 4),
            cnnFeatures: cnnFeatures,
            outFeatures: try integer("out_features", in: 1...Self.maximumWidth, default: 256),
            numBagsWords: bagSize / wordSize,
            numHeads: try integer("attn_heads", in: 1...Self.maximumWidth, default: 4),
            dropout: try fraction("dropout", default: 0.4),
            attentionDropout: try fraction("attn_p", default: 0.2),
            energyReduction: energy, attentionFunction: function)
    }
}
