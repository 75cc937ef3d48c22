import ArgumentParser
import Encoders
import Foundation

extension EncoderArchitecture: ExpressibleByArgument {}

/// Options shared by every command that builds a word encoder.
struct EncoderOptions: ParsableArguments {
    @Option(help: "Word encoder: \(EncoderArchitecture.allCases.map(\.rawValue).joined(separator: ", ")).")
    var encoder: EncoderArchitecture = .efficientNetLite0

    @Option(help: "ESPNetv2's s (0.5, 1.0, 1.25, 1.5, 2.0), MobileNetV2's width multiplier or MNASNet's alpha (default 2.0 for espnetv2, 1.0 otherwise).")
    var scale: Double?

    @Option(help: "Weight file (.safetensors or PyTorch .pth); default: the fetched weights in the cache, for encoders that have them.")
    var weights: String?

    @OptionGroup var cache: CacheOptions

    func validate() throws {
        if let scale, scale <= 0 { throw ValidationError("--scale must be positive") }
        if weights == nil && encoder.downloadableWeights == nil {
            throw ValidationError("--weights is required for \(encoder.rawValue): it has no downloadable weights "
                                  + "(the HATNet authors' files are model/pretrained_cnn_models/\(encoder.rawValue)_s_*_imagenet_224x224.pth)")
        }
    }

    /// Loads the weight file (given, or cached) and builds the encoder.
    func makeEncoder() throws -> any Encoder {
        try encoder.makeEncoder(scale: scale, weights: try EncoderWeights(contentsOf: try weightsURL()))
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
