import Foundation

extension HATNetConfiguration {
    /// Width of the pooled features of the reference's ImageNet encoders (`base_extractor`, `s`):
    /// 1280 for MobileNetV2 and MNASNet at 1.0 and ESPNetv2 at s = 2.0; 1024 for ESPNetv2 s 0.5–1.5.
    public static func cnnFeatures(encoder: String, scale: Double) -> Int? {
        switch (encoder.lowercased(), scale) {
        case ("mobilenetv2", 1.0), ("mnasnet", 1.0), ("espnetv2", 2.0), ("efficientnet-lite0", _): return 1280
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
        let file = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw HATNetConfigurationError.unreadable(file: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let dictionary = object as? [String: Any] else {
            throw HATNetConfigurationError.unreadable(file: file, reason: "not a JSON object")
        }
        let configuration: HATNetConfiguration
        if dictionary["num_bags_words"] != nil {
            do { configuration = try JSONDecoder().decode(HATNetConfiguration.self, from: data) } catch {
                throw HATNetConfigurationError.unreadable(file: file, reason: "not a HATNet configuration: \(error)")
            }
        } else if dictionary["bag_size"] != nil {
            configuration = try fromModelZoo(dictionary, file: file)
        } else {
            throw HATNetConfigurationError.unreadable(
                file: file, reason: "neither a HATNet configuration (num_bags_words) nor a model-zoo config (bag_size, word_size)")
        }
        do { try configuration.validate() } catch {
            throw HATNetConfigurationError.unreadable(file: file, reason: "\(error)")
        }
        return configuration
    }

    private static func fromModelZoo(_ dictionary: [String: Any], file: String) throws -> HATNetConfiguration {
        func number(_ key: String) throws -> Double {
            guard let value = dictionary[key] as? NSNumber else {
                throw HATNetConfigurationError.unreadable(file: file, reason: "model-zoo config lacks the number '\(key)'")
            }
            return value.doubleValue
        }
        func text(_ key: String, default fallback: String) throws -> String {
            guard let value = dictionary[key] else { return fallback }
            guard let string = value as? String else {
                throw HATNetConfigurationError.unreadable(file: file, reason: "'\(key)' must be a string")
            }
            return string
        }
        /// A whole number that fits `Int` (`Int(Double)` traps on 2.5e95, NaN or infinity).
        func integer(_ key: String) throws -> Int {
            let value = try number(key)
            guard let whole = Int(exactly: value) else {
                throw HATNetConfigurationError.unreadable(file: file, reason: "'\(key)' must be a whole number, got \(value)")
            }
            return whole
        }
        func optionalInteger(_ key: String, default fallback: Int) throws -> Int {
            dictionary[key] == nil ? fallback : try integer(key)
        }
        let bagSize = try integer("bag_size"), wordSize = try integer("word_size")
        guard wordSize > 0, bagSize > 0, bagSize % wordSize == 0 else {
            throw HATNetConfigurationError.unreadable(file: file, reason: "bag_size \(bagSize) must be a positive multiple of word_size \(wordSize)")
        }
        let encoder = try text("base_extractor", default: "espnetv2")
        let scale = (dictionary["s"] as? NSNumber)?.doubleValue ?? 1.0
        guard let cnnFeatures = cnnFeatures(encoder: encoder, scale: scale) else {
            throw HATNetConfigurationError.unreadable(file: file, reason: "unknown encoder \(encoder) with s = \(scale)")
        }
        guard let energy = EnergyReduction(rawValue: try text("attn_type", default: "l2")),
              let function = AttentionFunction(rawValue: try text("attn_fn", default: "softmax")) else {
            throw HATNetConfigurationError.unreadable(file: file, reason: "attn_type must be l1|l2|avg and attn_fn softmax|sigmoid|tanh")
        }
        return HATNetConfiguration(
            numClasses: try optionalInteger("n_classes", default: 4),
            cnnFeatures: cnnFeatures,
            outFeatures: try optionalInteger("out_features", default: 256),
            numBagsWords: bagSize / wordSize,
            numHeads: try optionalInteger("attn_heads", default: 4),
            dropout: (dictionary["dropout"] as? NSNumber)?.floatValue ?? 0.4,
            attentionDropout: (dictionary["attn_p"] as? NSNumber)?.floatValue ?? 0.2,
            energyReduction: energy, attentionFunction: function)
    }
}
