import FileOutput
import Foundation
import TensorKit

/// The architecture of a timm `VisionTransformer` (timm/models/vision_transformer.py; Dosovitskiy et
/// al., "An Image is Worth 16x16 Words", ICLR 2021) with the options pathology foundation models
/// use: patch 14/16, class and register tokens (Darcet et al., "Vision Transformers Need
/// Registers", ICLR 2024), LayerScale, the packed SwiGLU MLP, `no_embed_class`,
/// `dynamic_img_size` and token or average pooling.
///
/// Read from a timm-style JSON object of constructor arguments (``init(json:source:)``, the keys of
/// `timm.create_model(…, **kwargs)`) or taken from a ``Preset``. Every field is range-checked
/// before anything is allocated from it.
public struct VisionTransformerConfiguration: Sendable, Equatable {
    /// The MLP of each block.
    public enum MLPLayer: String, Sendable {
        /// timm `Mlp`: `fc2(act(fc1(x)))`, `fc1` `[hidden, D]`.
        case mlp = "Mlp"
        /// timm `SwiGLUPacked` (`GluMlp` with `gate_last=False`): `fc1` `[hidden, D]` holds both
        /// halves; `x1, x2 = fc1(x).chunk(2)`, `fc2(act(x1) · x2)`, `fc2` `[D, hidden / 2]`.
        case swiGLUPacked = "SwiGLUPacked"
    }

    /// The MLP's activation (timm `act_layer`).
    public enum MLPActivation: String, Sendable {
        /// `nn.GELU()`, the exact (erf) form.
        case gelu = "GELU"
        /// `nn.SiLU()`: `x · sigmoid(x)`.
        case silu = "SiLU"
    }

    /// What one word's feature vector is.
    public enum FeaturePooling: String, Sendable {
        /// The class token after the final norm (timm `global_pool='token'`).
        case classToken = "token"
        /// The mean of the patch tokens (prefix tokens excluded) through `fc_norm` (timm `'avg'`).
        case patchMean = "avg"
        /// `concat(class token, mean of patch tokens)`, 2·D features: Virchow/Virchow2's published
        /// embedding (TRIDENT trident/patch_encoder_models/load.py, `Virchow2InferenceEncoder`).
        case classTokenAndPatchMean = "token+avg"
    }

    public var imageSize: Int
    public var patchSize: Int
    public var embedDimension: Int
    public var depth: Int
    public var headCount: Int
    /// `int(embed_dim · mlp_ratio)`, fc1's output width (both halves for SwiGLUPacked).
    public var mlpHiddenFeatures: Int
    public var mlpLayer: MLPLayer
    public var activation: MLPActivation
    public var qkvBias: Bool
    /// `init_values` given: blocks scale their branches by `ls1.gamma` / `ls2.gamma`.
    public var layerScale: Bool
    public var classToken: Bool
    public var registerTokens: Int
    /// Position embeddings cover only the patch tokens (added before the prefix is concatenated).
    public var noEmbedClass: Bool
    /// Other input sizes are accepted; the position grid is resampled (bicubic, antialiased).
    public var dynamicImageSize: Bool
    public var pooling: FeaturePooling
    /// The final norm goes after pooling (`fc_norm.*`) instead of on every token (`norm.*`).
    public var usesFcNorm: Bool
    public var finalNorm: Bool
    public var layerNormEpsilon: Float
    /// Per-channel mean and std the model was trained with, when not ImageNet's: words arrive
    /// ImageNet-normalised and are re-normalised (H-optimus-0).
    public var inputMean: [Float]?
    public var inputStd: [Float]?

    /// Patches one word may have (img_size, or a dynamic_img_size input): 16384 = 128 × 128.
    public static let maximumPatchCount = 16384

    /// Prefix tokens: the class token, then the registers.
    public var prefixTokenCount: Int { (classToken ? 1 : 0) + registerTokens }
    /// Patches a side at ``imageSize`` (the stored position grid).
    public var gridSize: Int { imageSize / patchSize }
    /// Rows of `pos_embed`.
    public var positionCount: Int { gridSize * gridSize + (noEmbedClass ? 0 : prefixTokenCount) }
    public var headDimension: Int { embedDimension / headCount }
    /// Width after the MLP's activation: `hidden`, or `hidden / 2` for the gated MLP.
    public var mlpInnerFeatures: Int { mlpLayer == .swiGLUPacked ? mlpHiddenFeatures / 2 : mlpHiddenFeatures }
    /// Length of one word's feature vector.
    public var featureCount: Int { pooling == .classTokenAndPatchMean ? 2 * embedDimension : embedDimension }

    /// Parameters of the network (for the memory budget), `nil` on overflow.
    public var parameterCount: Int? {
        let d = embedDimension
        let perBlock = checkedSum([
            4 * d,                                   // two norms
            3 * d * d + (qkvBias ? 3 * d : 0),       // qkv
            d * d + d,                               // proj
            mlpHiddenFeatures * d + mlpHiddenFeatures, mlpInnerFeatures * d + d,
            layerScale ? 2 * d : 0,
        ])
        guard let perBlock else { return nil }
        let (blocks, overflow) = perBlock.multipliedReportingOverflow(by: depth)
        guard !overflow else { return nil }
        return checkedSum([blocks, d * 3 * patchSize * patchSize + d, positionCount * d, prefixTokenCount * d, 2 * d])
    }

    public init(imageSize: Int = 224, patchSize: Int = 16, embedDimension: Int = 768, depth: Int = 12, headCount: Int = 12,
                mlpRatio: Double = 4, mlpLayer: MLPLayer = .mlp, activation: MLPActivation = .gelu, qkvBias: Bool = true,
                layerScale: Bool = false, classToken: Bool = true, registerTokens: Int = 0, noEmbedClass: Bool = false,
                dynamicImageSize: Bool = false, pooling: FeaturePooling = .classToken, usesFcNorm: Bool? = nil,
                finalNorm: Bool = true, layerNormEpsilon: Float = 1e-6, inputMean: [Float]? = nil, inputStd: [Float]? = nil) {
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.embedDimension = embedDimension
        self.depth = depth
        self.headCount = headCount
        // Python's int(): truncation toward zero; guarded so a hostile ratio cannot trap here.
        let hidden = Double(embedDimension) * mlpRatio
        self.mlpHiddenFeatures = hidden.isFinite && hidden >= 0 && hidden < 1e9 ? Int(hidden) : -1
        self.mlpLayer = mlpLayer
        self.activation = activation
        self.qkvBias = qkvBias
        self.layerScale = layerScale
        self.classToken = classToken
        self.registerTokens = registerTokens
        self.noEmbedClass = noEmbedClass
        self.dynamicImageSize = dynamicImageSize
        self.pooling = pooling
        self.usesFcNorm = usesFcNorm ?? (pooling == .patchMean)
        self.finalNorm = finalNorm
        self.layerNormEpsilon = layerNormEpsilon
        self.inputMean = inputMean
        self.inputStd = inputStd
    }

    /// Checks every field against the ranges real models use (and that keep every size small
    /// enough to compute without overflow).
    /// - Throws: ``VisionTransformerConfigurationError`` naming `source` and the field.
    public func validate(source: String) throws {
        func fail(_ field: String, _ problem: String) -> VisionTransformerConfigurationError {
            VisionTransformerConfigurationError(source: source, field: field, problem: problem)
        }
        guard (1...64).contains(patchSize) else { throw fail("patch_size", "is \(patchSize), must be 1…64") }
        guard (1...4096).contains(imageSize) else { throw fail("img_size", "is \(imageSize), must be 1…4096") }
        guard imageSize % patchSize == 0 else {
            throw fail("img_size", "\(imageSize) is not a multiple of patch_size \(patchSize)")
        }
        // The stored position grid is the token count of every img_size word: bounded as
        // dynamic_img_size inputs are (VisionTransformer.checkInput), so attention stays computable.
        guard gridSize * gridSize <= VisionTransformerConfiguration.maximumPatchCount else {
            throw fail("img_size", "\(imageSize) with patch_size \(patchSize) gives \(gridSize * gridSize) patches, "
                       + "more than \(VisionTransformerConfiguration.maximumPatchCount)")
        }
        guard (1...8192).contains(embedDimension) else { throw fail("embed_dim", "is \(embedDimension), must be 1…8192") }
        guard (1...256).contains(depth) else { throw fail("depth", "is \(depth), must be 1…256") }
        guard (1...embedDimension).contains(headCount) else { throw fail("num_heads", "is \(headCount), must be 1…embed_dim") }
        guard embedDimension % headCount == 0 else {
            throw fail("num_heads", "embed_dim \(embedDimension) is not divisible by num_heads \(headCount)")
        }
        guard (1...65536).contains(mlpHiddenFeatures) else {
            throw fail("mlp_ratio", "gives \(mlpHiddenFeatures) hidden features (int(embed_dim · mlp_ratio)), must be 1…65536")
        }
        if mlpLayer == .swiGLUPacked && mlpHiddenFeatures % 2 != 0 {
            throw fail("mlp_ratio", "gives \(mlpHiddenFeatures) hidden features, which SwiGLUPacked cannot split in two halves")
        }
        guard (0...64).contains(registerTokens) else { throw fail("reg_tokens", "is \(registerTokens), must be 0…64") }
        if !classToken && pooling != .patchMean {
            throw fail("global_pool", "'\(pooling.rawValue)' needs the class token (class_token is false)")
        }
        if usesFcNorm && pooling == .classTokenAndPatchMean {
            throw fail("fc_norm", "cannot normalise the 2·embed_dim features of token+avg pooling")
        }
        guard layerNormEpsilon.isFinite && layerNormEpsilon > 0 && layerNormEpsilon < 1 else {
            throw fail("layer_norm_eps", "is \(layerNormEpsilon), must be in (0, 1)")
        }
        if (inputMean == nil) != (inputStd == nil) { throw fail("input_mean", "give input_mean and input_std together") }
        if let inputMean, let inputStd {
            guard inputMean.count == 3, inputStd.count == 3, inputMean.allSatisfy(\.isFinite),
                  inputStd.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw fail("input_mean", "input_mean and input_std must be 3 finite values each, std positive")
            }
        }
        guard let parameters = parameterCount else { throw fail("embed_dim", "the parameter count overflows") }
        do {
            try MemoryBudget.require(elements: parameters, elementSize: MemoryLayout<Float>.size, for: "\(source): ViT weights")
        } catch {
            throw fail("depth", "gives \(parameters) parameters (with embed_dim, mlp_ratio, img_size): \(error)")
        }
    }
}

/// A configuration field that is missing, of the wrong type, out of range or not supported.
public struct VisionTransformerConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public let source: String
    public let field: String
    public let problem: String

    public var description: String { "\(source): ViT configuration '\(field)' \(problem)" }
}

/// Overflow-checked sum; `nil` on overflow or a negative term.
func checkedSum(_ terms: [Int]) -> Int? {
    var total = 0
    for term in terms {
        guard term >= 0 else { return nil }
        let (next, overflow) = total.addingReportingOverflow(term)
        if overflow { return nil }
        total = next
    }
    return total
}

extension VisionTransformerConfiguration {
    /// Keys of timm's `VisionTransformer` that are accepted only at the value that changes nothing
    /// at inference (dropout rates, the classifier we do not use, timm's own bookkeeping).
    static let ignoredKeys: Set<String> = [
        "timm_class", "architecture", "num_classes", "drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate",
        "attn_drop_rate", "drop_path_rate", "weight_init", "fix_init", "pretrained_cfg", "model_name",
    ]

    /// Reads the timm constructor arguments in `json` (an object). Options timm has that change
    /// the computation but this implementation does not have (`qk_norm`, `pre_norm`, …) are refused
    /// unless at their default, so no model is silently computed differently.
    ///
    /// Extra keys (not timm's): `hatnet_pooling` (`token`, `avg`, `token+avg`) to choose the
    /// feature when `global_pool` is `''`, `layer_norm_eps`, and `input_mean` / `input_std`.
    /// - Throws: ``VisionTransformerConfigurationError`` naming `source` and the field.
    public init(json data: Data, source: String) throws {
        func fail(_ field: String, _ problem: String) -> VisionTransformerConfigurationError {
            VisionTransformerConfigurationError(source: source, field: field, problem: problem)
        }
        let object: [String: ConfigurationValue]
        do { object = try JSONDecoder().decode([String: ConfigurationValue].self, from: data) } catch {
            throw fail("(document)", "is not a JSON object of timm arguments: \(JSONProblem.describe(error, data: data))")
        }
        var used = Set<String>()
        func value(_ key: String) -> ConfigurationValue? {
            used.insert(key)
            guard let value = object[key], value != .null else { return nil }
            return value
        }
        func exactInt(_ number: Double, _ key: String) throws -> Int {
            guard number.rounded() == number else { throw fail(key, "must be an integer, got \(number)") }
            guard abs(number) < 1e9 else { throw fail(key, "is \(number), far outside any model") }
            return Int(number)
        }
        func int(_ key: String, default fallback: Int) throws -> Int {
            switch value(key) {
            case nil: return fallback
            case .number(let number)?: return try exactInt(number, key)
            case .array(let items)? where key == "img_size" || key == "patch_size":
                // timm accepts (h, w); only square sizes are supported here.
                guard items.count == 2, case .number(let first) = items[0], items[1] == items[0] else {
                    throw fail(key, "must be an integer or a square [n, n]")
                }
                return try exactInt(first, key)
            default: throw fail(key, "must be an integer")
            }
        }
        func double(_ key: String) throws -> Double? {
            switch value(key) {
            case nil: return nil
            case .number(let number)?: return number
            default: throw fail(key, "must be a finite number")
            }
        }
        func bool(_ key: String, default fallback: Bool) throws -> Bool {
            switch value(key) {
            case nil: return fallback
            case .bool(let flag)?: return flag
            default: throw fail(key, "must be true or false")
            }
        }
        func string(_ key: String) throws -> String? {
            switch value(key) {
            case nil: return nil
            case .string(let text)?: return text
            default: throw fail(key, "must be a string")
            }
        }
        func floats(_ key: String) throws -> [Float]? {
            guard let raw = value(key) else { return nil }
            guard case .array(let items) = raw, items.count == 3 else { throw fail(key, "must be an array of 3 numbers") }
            return try items.map {
                guard case .number(let number) = $0 else { throw fail(key, "must be an array of 3 numbers") }
                return Float(number)
            }
        }
        func requireDefault(_ key: String, _ isDefault: (ConfigurationValue) -> Bool, _ explanation: String) throws {
            if let raw = value(key), !isDefault(raw) { throw fail(key, "is not supported (\(explanation))") }
        }

        let mlpRatio = try double("mlp_ratio") ?? 4
        guard mlpRatio > 0 else { throw fail("mlp_ratio", "must be positive") }
        let mlpName = try string("mlp_layer") ?? "Mlp"
        guard let mlpLayer = MLPLayer(rawValue: mlpName.components(separatedBy: ".").last ?? mlpName) else {
            throw fail("mlp_layer", "'\(mlpName)' is not Mlp or SwiGLUPacked")
        }
        let activationName = try string("act_layer") ?? (mlpLayer == .swiGLUPacked ? "SiLU" : "GELU")
        guard let activation = MLPActivation(rawValue: activationName.components(separatedBy: ".").last ?? activationName) else {
            throw fail("act_layer", "'\(activationName)' is not GELU or SiLU")
        }
        let globalPool = try string("global_pool") ?? "token"
        let pooling: FeaturePooling
        if let override = try string("hatnet_pooling") {
            guard let chosen = FeaturePooling(rawValue: override) else {
                throw fail("hatnet_pooling", "'\(override)' is not token, avg or token+avg")
            }
            pooling = chosen
        } else {
            switch globalPool {
            case "token": pooling = .classToken
            case "avg": pooling = .patchMean
            case "": throw fail("global_pool", "is '' (no pooling): add \"hatnet_pooling\": \"token\", \"avg\" or \"token+avg\"")
            default: throw fail("global_pool", "'\(globalPool)' is not supported (token, avg)")
            }
        }
        let initValues = try double("init_values")
        let fcNorm: Bool? = try value("fc_norm") == nil ? nil : bool("fc_norm", default: false)
        let epsilon = try double("layer_norm_eps") ?? 1e-6

        try requireDefault("in_chans", { $0 == .number(3) }, "only 3-channel RGB input")
        try requireDefault("qk_norm", { $0 == .bool(false) }, "no q/k normalisation")
        try requireDefault("pre_norm", { $0 == .bool(false) }, "no norm before the blocks")
        try requireDefault("proj_bias", { $0 == .bool(true) }, "projections have biases")
        try requireDefault("scale_attn_norm", { $0 == .bool(false) }, "no extra attention norm")
        try requireDefault("scale_mlp_norm", { $0 == .bool(false) }, "no extra MLP norm")
        try requireDefault("dynamic_img_pad", { $0 == .bool(false) }, "sizes must be multiples of the patch")
        try requireDefault("pool_include_prefix", { $0 == .bool(false) }, "average pooling skips prefix tokens")
        try requireDefault("pos_embed", { $0 == .string("learn") }, "learned absolute position embeddings only")
        try requireDefault("block_fn", { _ in false }, "only timm's Block")
        try requireDefault("embed_layer", { _ in false }, "only timm's PatchEmbed")
        try requireDefault("norm_layer", { if case .string(let name) = $0 { return name.hasSuffix("LayerNorm") } else { return false } }, "LayerNorm only")

        self.init(imageSize: try int("img_size", default: 224), patchSize: try int("patch_size", default: 16),
                  embedDimension: try int("embed_dim", default: 768), depth: try int("depth", default: 12),
                  headCount: try int("num_heads", default: 12), mlpRatio: mlpRatio, mlpLayer: mlpLayer,
                  activation: activation, qkvBias: try bool("qkv_bias", default: true),
                  layerScale: initValues.map { $0 != 0 } ?? false, classToken: try bool("class_token", default: true),
                  registerTokens: try int("reg_tokens", default: 0), noEmbedClass: try bool("no_embed_class", default: false),
                  dynamicImageSize: try bool("dynamic_img_size", default: false), pooling: pooling, usesFcNorm: fcNorm,
                  finalNorm: try bool("final_norm", default: true), layerNormEpsilon: Float(epsilon),
                  inputMean: try floats("input_mean"), inputStd: try floats("input_std"))
        let unknown = Set(object.keys).subtracting(used).subtracting(Self.ignoredKeys).sorted()
        if let first = unknown.first {
            throw fail(first, "is not a VisionTransformer argument this implementation knows (unknown: \(unknown.joined(separator: ", ")))")
        }
        try validate(source: source)
    }

    /// Reads a configuration file (at most 1 MB).
    public init(contentsOf url: URL) throws {
        try self.init(json: try FileContents.read(url, maximumBytes: 1 << 20, kind: "ViT configuration"), source: url.path)
    }
}

/// One JSON value of a configuration document; numbers are finite doubles (JSON has no others).
enum ConfigurationValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([ConfigurationValue]), object([String: ConfigurationValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let text = try? container.decode(String.self) { self = .string(text) }
        else if let items = try? container.decode([ConfigurationValue].self) { self = .array(items) }
        else { self = .object(try container.decode([String: ConfigurationValue].self)) }
    }
}
