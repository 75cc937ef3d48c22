import Encoders
import Foundation
import TensorKit

/// Times the encoders of the foundation-model era on one bag — CLAM's ResNet50-trunc, ViT-B/16
/// and ViT-L/16 (random weights: speed depends only on shapes) — next to PyTorch running the same
/// architectures in the same invocation: torchvision's resnet50 through layer3, and a ViT of
/// `nn.TransformerEncoder` pre-norm layers (torch only; timm is not needed for timing).
public enum FoundationEncoderBenchmark {
    public enum Model: String, CaseIterable, Sendable {
        case resnet50Truncated = "resnet50-trunc"
        case vitB16 = "vit-b16"
        case vitL16 = "vit-l16"

        /// The ViT's architecture (timm `vit_base_patch16_224`, `vit_large_patch16_224`).
        var vitConfiguration: VisionTransformerConfiguration? {
            switch self {
            case .resnet50Truncated: return nil
            case .vitB16: return VisionTransformerConfiguration(imageSize: 224, patchSize: 16, embedDimension: 768, depth: 12, headCount: 12)
            case .vitL16: return VisionTransformerConfiguration(imageSize: 224, patchSize: 16, embedDimension: 1024, depth: 24, headCount: 16)
            }
        }

        /// Word size: the ViTs' img_size, the bench's word size for the CNN.
        func wordSize(cnnWordSize: Int) -> Int { self == .resnet50Truncated ? cnnWordSize : 224 }
    }

    public struct Result: Sendable {
        public let model: String
        public let wordSize: Int
        /// Words each of our workers encodes together (1: one word per core; the bag: every
        /// linear layer one GEMM over all its tokens, split over the cores).
        public let batchSize: Int
        public let bestSeconds: Double
        public let medianSeconds: Double
        public let cpuSeconds: Double
        /// PyTorch's best time for the same words, measured in this run; `nil` with the reason in ``pyTorchNote``.
        public let pyTorchSeconds: Double?
        public let pyTorchNote: String?
        /// Floating-point operations of encoding the bag (ViTs: linear layers, attention GEMMs and
        /// the patch embedding, a multiply-add counted as two); `nil` for the CNN.
        public let flops: Double?
        /// The machine's GEMM rate measured in this run (``GemmBenchmark``), for the share of it reached.
        public let gemmPeakGFLOPS: Double?

        public static let markdownHeader = """
            | encoder | word px | batch | best s | median s | CPU s (best pass) | PyTorch best s | ratio (ours / PyTorch) | ours GFLOP/s | PyTorch GFLOP/s | ours / GEMM peak |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
            """

        /// GFLOP/s of a pass of `seconds`, or "–" without a FLOP count.
        func rate(_ seconds: Double?) -> String {
            guard let flops, let seconds, seconds > 0 else { return "–" }
            return String(format: "%.1f", flops / seconds / 1e9)
        }

        public var markdownRow: String {
            let peer = pyTorchSeconds.map { String(format: "%.3f", $0) } ?? "– (\(pyTorchNote ?? "not measured"))"
            let ratio = pyTorchSeconds.map { String(format: "%.2f", bestSeconds / $0) } ?? "–"
            let share = flops.flatMap { flops in gemmPeakGFLOPS.map { String(format: "%.0f %%", 100 * flops / bestSeconds / 1e9 / $0) } } ?? "–"
            return String(format: "| %@ | %d | %d | %.3f | %.3f | %.2f | %@ | %@ | %@ | %@ | %@ |", model, wordSize, batchSize, bestSeconds,
                          medianSeconds, cpuSeconds, peer, ratio, rate(bestSeconds), rate(pyTorchSeconds), share)
        }
    }

    /// The GEMM rate the ViT's share is quoted against: the best of ``GemmBenchmark``'s tensor
    /// path (rows split over our threads) and raw OpenBLAS (its own threads) at 2048³.
    public static func gemmPeakGFLOPS(repetitions: Int = 3) -> Double {
        let result = GemmBenchmark.run(size: 2048, repetitions: repetitions)
        return max(result.tensorGFLOPS, result.rawGFLOPS)
    }

    /// One warm-up and `repetitions` timed passes of `model` on `wordCount` words (`batchSize`
    /// words per worker), then PyTorch's.
    public static func run(_ model: Model, wordCount: Int = 49, cnnWordSize: Int = 256, repetitions: Int = 3, batchSize: Int = 1,
                           measurePyTorch: Bool = true, gemmPeakGFLOPS: Double? = nil) throws -> Result {
        MemoryTuning.retainFreedBuffers()
        let size = model.wordSize(cnnWordSize: cnnWordSize)
        var generator = SeededGenerator(seed: 42)
        let words = Tensor.normal([wordCount, size, size, 3], generator: &generator)
        let encoder: any Encoder
        var flops: Double?
        if let configuration = model.vitConfiguration {
            let vit = try VisionTransformer(configuration: configuration, weights: .synthetic(seed: 1), name: model.rawValue)
            flops = vit.flops(height: size, width: size) * Double(wordCount)
            encoder = vit
        } else {
            encoder = try ResNet50Truncated(weights: .synthetic(seed: 1))
        }
        try encoder.checkInput(height: size, width: size)
        _ = encoder.features(channelsLast: words, batchSize: batchSize)
        var passes = [(seconds: Double, cpuSeconds: Double)]()
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = EncoderBenchmark.processCPUSeconds()
            let features = encoder.features(channelsLast: words, batchSize: batchSize)
            passes.append((Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, EncoderBenchmark.processCPUSeconds() - cpuStart))
            precondition(features.scalars.allSatisfy(\.isFinite), "\(encoder.name): non-finite features")
        }
        passes.sort { $0.seconds < $1.seconds }
        var peer: Double?, note: String?
        if measurePyTorch {
            do { peer = try pyTorchSeconds(model, wordCount: wordCount, wordSize: size, repetitions: repetitions) } catch {
                note = "\(error)"
            }
        } else {
            note = "skipped"
        }
        return Result(model: model.rawValue, wordSize: size, batchSize: batchSize, bestSeconds: passes[0].seconds,
                      medianSeconds: passes[passes.count / 2].seconds, cpuSeconds: passes.map(\.cpuSeconds).min()!,
                      pyTorchSeconds: peer, pyTorchNote: note, flops: flops, gemmPeakGFLOPS: gemmPeakGFLOPS)
    }

    /// PyTorch's best of `repetitions` (after a warm-up) on `wordCount` random words, all cores,
    /// the whole bag as one batch under `torch.inference_mode()`.
    static func pyTorchSeconds(_ model: Model, wordCount: Int, wordSize: Int, repetitions: Int) throws -> Double {
        let (status, output) = try PythonInterpreter.run(arguments: ["-c", pyTorchScript, model.rawValue, "\(wordCount)", "\(wordSize)",
                                                                     "\(repetitions)", "\(ParallelLoop.workerCount)"])
        guard status == 0,
              let line = output.split(separator: "\n").last(where: { $0.hasPrefix("best ") }),
              let seconds = Double(line.dropFirst("best ".count)) else {
            throw BenchmarkError.referenceFailed("\(PythonInterpreter.displayName): \(output.suffix(300))")
        }
        return seconds
    }

    static let pyTorchScript = #"""
import sys, time, torch, torch.nn as nn, torchvision
name, count, size, reps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
if name == "resnet50-trunc":
    r = torchvision.models.resnet50()
    body = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3)
    model = lambda x: body(x).mean(dim=(2, 3))
    modules = body
else:
    d, depth, heads = {"vit-b16": (768, 12, 12), "vit-l16": (1024, 24, 16)}[name]
    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = nn.Conv2d(3, d, 16, 16)
            self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.02)
            self.pos = nn.Parameter(torch.randn(1, (size // 16) ** 2 + 1, d) * 0.02)
            layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation="gelu", layer_norm_eps=1e-6,
                                               batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(d, eps=1e-6)
        def forward(self, x):
            t = self.patch(x).flatten(2).transpose(1, 2)
            t = torch.cat([self.cls.expand(t.shape[0], -1, -1), t], 1) + self.pos
            return self.norm(self.blocks(t))[:, 0]
    modules = ViT()
    model = modules
modules.eval()
x = torch.randn(count, 3, size, size)
times = []
with torch.inference_mode():
    model(x)
    for _ in range(reps):
        start = time.perf_counter(); model(x); times.append(time.perf_counter() - start)
print("best", min(times))
"""#
}
