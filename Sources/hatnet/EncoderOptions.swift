import ArgumentParser
import Encoders
import Foundation

extension EncoderArchitecture: ExpressibleByArgument {}
extension VisionTransformerPreset: ExpressibleByArgument {}

/// Options shared by every command that builds a word encoder.
struct EncoderOptions: ParsableArguments {
    @Option(help: "Word encoder: \(EncoderArchitecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var encoder: EncoderArchitecture = .efficientNetLite0

    @Option(help: "ESPNetv2's s (0.5, 1.0, 1.25, 1.5, 2.0), MobileNetV2's width multiplier or MNASNet's alpha (default 2.0 for espnetv2, 1.0 otherwise).")
    var scale: Double?

    @Option(help: "Weight file (.safetensors or PyTorch .pth); default: the fetched weights in the cache, for encoders that have them.")
    var weights: String?

    @Option(name: .customLong("vit-config"), help: "--encoder vit: a JSON object of timm VisionTransformer arguments (img_size, patch_size, embed_dim, depth, num_heads, …).")
    var vitConfig: String?

    @Option(name: .customLong("vit-preset"), help: "--encoder vit: a published architecture: \(VisionTransformerPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var vitPreset: VisionTransformerPreset?

    @OptionGroup var cache: CacheOptions

    func validate() throws {
        if let scale, scale <= 0 { throw ValidationError("--scale must be positive") }
        if encoder == .vit {
            guard (vitConfig == nil) != (vitPreset == nil) else {
                throw ValidationError("--encoder vit needs exactly one of --vit-config FILE.json and --vit-preset "
                                      + "(\(VisionTransformerPreset.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        } else if vitConfig != nil || vitPreset != nil {
            throw ValidationError("--vit-config and --vit-preset apply only to --encoder vit")
        }
        if weights == nil && encoder.downloadableWeights == nil {
            throw ValidationError("--weights is required for \(encoder.rawValue): \(weightsHint) Nothing is downloaded.")
        }
    }

    /// Where the weights of this encoder come from, for messages.
    var weightsHint: String {
        switch encoder {
        case .resnet50Truncated:
            return "its ImageNet weights are torchvision's resnet50 file (e.g. resnet50-0676ba61.pth, which "
                + "torchvision.models.resnet50(weights=\"IMAGENET1K_V1\") saves in ~/.cache/torch/hub/checkpoints), not on PyPI; pass it with --weights."
        case .vit:
            if let vitPreset {
                let source = vitPreset.weightsSource
                return "\(vitPreset.rawValue)'s weights are gated: accept the licence at https://huggingface.co/\(source.repository), "
                    + "download \(source.file) yourself and pass it with --weights."
            }
            return "pass the checkpoint (timm or Hugging Face ViT key names) with --weights."
        default:
            return "it has no downloadable weights (the HATNet authors' files are model/pretrained_cnn_models/\(encoder.rawValue)_s_*_imagenet_224x224.pth)."
        }
    }

    /// The ViT architecture (from --vit-config or --vit-preset), for --encoder vit.
    func vitConfiguration() throws -> VisionTransformerConfiguration? {
        guard encoder == .vit else { return nil }
        if let vitPreset { return vitPreset.configuration }
        return try vitConfig.map { try VisionTransformerConfiguration(contentsOf: URL(fileURLWithPath: $0)) }
    }

    /// Loads the weight file (given, or cached) and builds the encoder.
    func makeEncoder() throws -> any Encoder {
        let url = try weightsURL()
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ValidationError("--weights \(url.path): no such file. \(weightsHint) Nothing is downloaded.")
        }
        let vitConfiguration = try vitConfiguration()
        let vitName = vitConfiguration.map { configuration in
            "vit \(vitPreset?.rawValue ?? URL(fileURLWithPath: vitConfig ?? "").deletingPathExtension().lastPathComponent) "
                + "(patch \(configuration.patchSize), dim \(configuration.embedDimension), depth \(configuration.depth), "
                + "\(configuration.pooling.rawValue) pooling)"
        } ?? "vit"
        return try encoder.makeEncoder(scale: scale, vitConfiguration: vitConfiguration, vitName: vitName,
                                       weights: try EncoderWeights(contentsOf: url))
    }

    /// The weight file: given with --weights, or the fetched one in the cache.
    func weightsURL() throws -> URL {
        if let weights { return URL(fileURLWithPath: weights) }
        return try cache.weightCache.locate(encoder.downloadableWeights!)
    }
}

/// Where downloaded weights are kept.
struct CacheOptions: ParsableArguments {
    @Option(help: "Weight cache directory (default: $HATNET_CACHE, else ~/.cache/hatnet).")
    var cacheDir: String?

    var weightCache: WeightCache {
        WeightCache(directory: cacheDir.map { URL(fileURLWithPath: $0) })
    }
}
