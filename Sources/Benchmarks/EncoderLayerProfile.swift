import Encoders
import Foundation
import TensorKit
import VectorKernelsAVX2
import VectorKernelsAVX512

/// Where the time of a chain CNN (``LayerChainEncoder``: MobileNetV2, MnasNet, EfficientNet-Lite0)
/// goes, layer by layer, against the machine's FMA peak measured in the same run
/// (`hatnet bench encoders --layer-profile`).
///
/// Every core runs the same layer on one word at the same time (as the data-parallel encoder
/// does: each core its own word), best of the repetitions per core, averaged over the cores. The
/// layers of an inverted-residual block are timed one by one (layer by layer, each output map
/// written whole) and the block once more as it runs in `encode` (fused band by band where that
/// pays, `InvertedResidualBlock.fusionPays`, else layer by layer again). MACs are
/// counted from the shapes (`H'·W'·N·K/groups·k²`); GFLOP/s are 2·MACs/s of one core.
public enum EncoderLayerProfile {
    /// One timed layer.
    public struct Row: Sendable {
        /// The layer's PyTorch state-dict prefix (`features.3`).
        public let layer: String
        /// `stem`, `expand`, `depthwise`, `project`, `conv`, `head` or `pool`.
        public let part: String
        public let inputHeight: Int, inputWidth: Int
        public let inputChannels: Int, outputChannels: Int
        public let kernelSize: Int, stride: Int
        public let multiplyAdds: Int
        public let seconds: Double
        /// On a block's last layer: the whole block's seconds as it runs fused.
        public let fusedBlockSeconds: Double?
        /// On a block's last layer: the whole block's multiply-adds.
        public let blockMultiplyAdds: Int?
        /// On a chain layer's last row (a convolution, a block's projection): that layer's seconds
        /// inside whole-word runs, where its input and weights are wherever the previous layers left
        /// them rather than warm from repeating the layer alone.
        public var chainSeconds: Double? = nil
    }

    public struct Profile: Sendable {
        public let encoder: String
        public let wordSize: Int
        public let rows: [Row]
        /// One word through `pooledFeatures` as `encode` runs it (fused blocks), per core.
        public let wholeWordSeconds: Double
        /// One core's FMA peak in GFLOP/s, measured with every core running it at once.
        public let peakGFLOPS: Double?
        public var multiplyAdds: Int { rows.reduce(0) { $0 + $1.multiplyAdds } }
    }

    /// The FMA peak of one core in GFLOP/s on the widest kernels this CPU runs
    /// (``VectorKernelsAVX512/AVX512Kernels/fusedMultiplyAddPeak(iterations:)``, 16 lanes, when
    /// `CPUFeatures.hasAVX512F`, else ``AVX2Kernels/fusedMultiplyAddPeak(iterations:)``, 8 lanes) on
    /// every core at once, best of ten runs per core, averaged over the cores; nil without AVX2 + FMA.
    public static func fusedMultiplyAddPeakGFLOPS() -> Double? {
        guard let kernel = PeakKernel.current else { return nil }
        let iterations = 10_000_000
        let flops = Double(iterations * kernel.chains * kernel.lanes * 2)
        let perCore = perWorker { _ in
            var best = Double.infinity, sink: Float = 0
            for _ in 0..<10 {
                best = min(best, measureSeconds { sink += kernel.run(iterations) })
            }
            precondition(sink.isFinite, "FMA peak kernel: non-finite sum")
            return flops / best / 1e9
        }
        return perCore.reduce(0, +) / Double(perCore.count)
    }

    /// The FMA loop the peak is measured with: the AVX-512 one where the encoders run AVX-512
    /// kernels, so "% FMA peak" compares like with like.
    struct PeakKernel {
        let lanes: Int, chains: Int
        let run: (Int) -> Float

        static var current: PeakKernel? {
            if CPUFeatures.hasAVX512F {
                return PeakKernel(lanes: 16, chains: AVX512Kernels.peakChains, run: AVX512Kernels.fusedMultiplyAddPeak(iterations:))
            }
            guard CPUFeatures.hasAVX2AndFMA else { return nil }
            return PeakKernel(lanes: 8, chains: AVX2Kernels.peakChains, run: AVX2Kernels.fusedMultiplyAddPeak(iterations:))
        }
    }

    /// The line that reports ``fusedMultiplyAddPeakGFLOPS()``.
    public static func peakDescription(_ peak: Double?) -> String {
        guard let peak, let kernel = PeakKernel.current else { return "FMA peak not measured: this CPU has no AVX2 + FMA" }
        let cores = ParallelLoop.workerCount
        return String(format: "FMA peak measured now (%d independent %d-lane vfmadd231ps chains, every core at once): %.1f GFLOP/s a core, %.1f for %d cores",
                      kernel.chains, kernel.lanes, peak, peak * Double(cores), cores)
    }

    /// Profiles `architecture` (a ``LayerChainEncoder``; throws for the others) on `wordSize`²
    /// words, each layer timed at least `repetitions` times and for at least 20 ms a core.
    public static func run(_ architecture: EncoderArchitecture, wordSize: Int = 256, repetitions: Int = 3,
                           peakGFLOPS: Double?) throws -> Profile {
        try EncoderBenchmark.requireMemory(wordCount: ParallelLoop.workerCount, wordSize: wordSize, batchSize: 1)
        MemoryTuning.retainFreedBuffers()
        guard let encoder = try architecture.makeEncoder(weights: .synthetic(seed: 1)) as? LayerChainEncoder else {
            throw EncoderLayerProfileError.notAChain(architecture.rawValue)
        }
        try encoder.checkInput(height: wordSize, width: wordSize)
        var generator = SeededGenerator(seed: 42)
        let word = FeatureMap(batchSize: 1, height: wordSize, width: wordSize, channels: 3,
                              values: Tensor.normal([1, wordSize, wordSize, 3], generator: &generator).scalars)
        func time(_ input: FeatureMap, minimumSeconds: Double = 0.02, _ layer: (FeatureMap) -> Int) -> Double {
            bestSeconds(repetitions: repetitions, minimumSeconds: minimumSeconds) { layer(input) }
        }
        var rows = [Row]()
        func row(_ layer: String, _ part: String, _ convolution: Conv2d, _ input: FeatureMap, seconds: Double,
                 fusedBlockSeconds: Double? = nil, blockMultiplyAdds: Int? = nil) {
            rows.append(Row(layer: layer, part: part, inputHeight: input.height, inputWidth: input.width,
                            inputChannels: convolution.inputChannels, outputChannels: convolution.outputChannels,
                            kernelSize: convolution.geometry.kernelSize, stride: convolution.geometry.stride,
                            multiplyAdds: multiplyAdds(convolution, input), seconds: seconds,
                            fusedBlockSeconds: fusedBlockSeconds, blockMultiplyAdds: blockMultiplyAdds))
        }
        // The row that ends each chain layer (its convolution, or its block's projection).
        var chainRows = [Int]()
        var x = word
        for (index, layer) in encoder.layers.enumerated() {
            switch layer {
            case .convolution(let name, let convolution):
                let part = index == 0 ? "stem" : index == encoder.layers.count - 1 ? "head" : "conv"
                row(name, part, convolution, x, seconds: time(x) { convolution($0).values.count })
                chainRows.append(rows.count - 1)
                x = convolution(x)
            case .invertedResidual(let name, let block):
                let expanded = block.expand.map { $0(x) } ?? x
                if let expand = block.expand { row(name, "expand", expand, x, seconds: time(x) { expand($0).values.count }) }
                let filtered = block.depthwise(expanded)
                row(name, "depthwise", block.depthwise, expanded, seconds: time(expanded) { block.depthwise($0).values.count })
                let residual = x
                let projectSeconds = time(filtered) { filtered in
                    (block.addsResidual ? block.project(filtered, addingResidual: residual) : block.project(filtered)).values.count
                }
                let fusedSeconds = time(x) { block($0).values.count }
                let blockMultiplyAdds = (block.expand.map { multiplyAdds($0, x) } ?? 0) + multiplyAdds(block.depthwise, expanded)
                    + multiplyAdds(block.project, filtered)
                row(name, "project", block.project, filtered, seconds: projectSeconds, fusedBlockSeconds: fusedSeconds,
                    blockMultiplyAdds: blockMultiplyAdds)
                chainRows.append(rows.count - 1)
                x = block(x)
            }
        }
        let last = x
        rows.append(Row(layer: "pool", part: "pool", inputHeight: last.height, inputWidth: last.width,
                        inputChannels: last.channels, outputChannels: last.channels, kernelSize: last.height, stride: 1,
                        multiplyAdds: 0, seconds: time(last) { $0.globalAveragePooled().count }, fusedBlockSeconds: nil,
                        blockMultiplyAdds: nil))
        // Longer (≥ 0.25 s a core): a short disturbance on one core would otherwise decide the figure.
        let whole = time(word, minimumSeconds: 0.25) { encoder.pooledFeatures($0).count }
        let inChain = chainLayerSeconds(encoder, word: word, repetitions: repetitions, minimumSeconds: 0.25)
        for (row, seconds) in zip(chainRows, inChain) { rows[row].chainSeconds = seconds }
        return Profile(encoder: encoder.name, wordSize: wordSize, rows: rows, wholeWordSeconds: whole, peakGFLOPS: peakGFLOPS)
    }

    /// Each of `encoder`'s layers timed inside whole-word runs on every core at once: per core the
    /// fastest run of each layer over at least `repetitions` passes and `minimumSeconds`, averaged
    /// over the cores. The sum exceeds the layers timed alone by what the chain's caches cost.
    static func chainLayerSeconds(_ encoder: LayerChainEncoder, word: FeatureMap, repetitions: Int, minimumSeconds: Double) -> [Double] {
        let layers = encoder.layers
        let perCore = perWorker { _ in
            var best = [Double](repeating: .infinity, count: layers.count)
            var total = 0.0, passes = 0, sink = 0
            while passes <= repetitions || (total < minimumSeconds && passes < 10_000) {
                var x = word
                let start = DispatchTime.now().uptimeNanoseconds
                var previous = start
                for (index, layer) in layers.enumerated() {
                    x = layer(x)
                    let now = DispatchTime.now().uptimeNanoseconds
                    // The first pass warms up; it is not counted.
                    if passes > 0 { best[index] = min(best[index], Double(now - previous) / 1e9) }
                    previous = now
                }
                sink &+= x.values.count
                if passes > 0 { total += Double(previous - start) / 1e9 }
                passes += 1
            }
            precondition(sink > 0, "layer profile: empty output")
            return best
        }
        return layers.indices.map { index in perCore.reduce(0) { $0 + $1[index] } / Double(perCore.count) }
    }

    /// `H'·W'·N·(K/groups)·k²` of `convolution` on `input` (one image).
    static func multiplyAdds(_ convolution: Conv2d, _ input: FeatureMap) -> Int {
        let geometry = convolution.geometry
        return geometry.outputHeight(inputHeight: input.height) * geometry.outputWidth(inputWidth: input.width)
            * convolution.outputChannels * (convolution.inputChannels / geometry.groups) * geometry.kernelSize * geometry.kernelSize
    }

    /// `body` on every core at once (``ParallelLoop/runDataParallel(workerCount:_:)``), one result a core.
    static func perWorker<T>(_ body: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: ParallelLoop.workerCount)
        results.withUnsafeMutableBufferPointer { results in
            let results = results
            ParallelLoop.runDataParallel(workerCount: results.count) { worker in results[worker] = body(worker) }
        }
        return results.map { $0! }
    }

    /// Seconds of `body`'s fastest run on each core (all cores running it at once) after one
    /// warm-up, at least `repetitions` runs and `minimumSeconds` a core, averaged over the cores.
    static func bestSeconds(repetitions: Int, minimumSeconds: Double, _ body: () -> Int) -> Double {
        let perCore = perWorker { _ in
            var sink = body(), best = Double.infinity, total = 0.0, runs = 0
            while runs < repetitions || (total < minimumSeconds && runs < 10_000) {
                let seconds = measureSeconds { sink &+= body() }
                best = min(best, seconds)
                total += seconds
                runs += 1
            }
            precondition(sink > 0, "layer profile: empty output")
            return best
        }
        return perCore.reduce(0, +) / Double(perCore.count)
    }
}

extension EncoderLayerProfile.Profile {
    /// The profile as Markdown: the FMA peak, one row per layer, then the totals per part.
    public var markdown: String {
        func rate(_ multiplyAdds: Int, _ seconds: Double) -> String {
            let gflops = 2 * Double(multiplyAdds) / seconds / 1e9
            let share = peakGFLOPS.map { String(format: "%.0f %%", 100 * gflops / $0) } ?? "–"
            return String(format: "%.1f | %@", gflops, share)
        }
        var lines = ["\(encoder), one \(wordSize)² word a core, \(ParallelLoop.workerCount) cores at once; ms and GFLOP/s of one core"]
        lines.append("| layer | part | input H×W | K→N | kernel/stride | M MACs | ms | GFLOP/s | % FMA peak | block fused ms (% peak) | in chain ms |")
        lines.append("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for row in rows {
            let fused = row.fusedBlockSeconds.map { seconds in
                let share = peakGFLOPS.map { String(format: " (%.0f %%)", 100 * 2 * Double(row.blockMultiplyAdds ?? 0) / seconds / 1e9 / $0) } ?? ""
                return String(format: "%.3f", seconds * 1e3) + share
            } ?? ""
            let kernel = row.part == "pool" ? "global avg" : "\(row.kernelSize)×\(row.kernelSize)/\(row.stride)"
            let speed = row.multiplyAdds == 0 ? "– | –" : rate(row.multiplyAdds, row.seconds)
            let chain = row.chainSeconds.map { String(format: "%.3f", $0 * 1e3) } ?? ""
            lines.append(String(format: "| %@ | %@ | %d×%d | %d→%d | %@ | %.3f | %.3f | %@ | %@ | %@ |", row.layer, row.part,
                                row.inputHeight, row.inputWidth, row.inputChannels, row.outputChannels, kernel,
                                Double(row.multiplyAdds) / 1e6, row.seconds * 1e3, speed, fused, chain))
        }
        lines.append("")
        lines.append("| part | M MACs | ms | share of time | GFLOP/s | % FMA peak |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        let layerSeconds = rows.reduce(0) { $0 + $1.seconds }
        for part in ["stem", "expand", "depthwise", "project", "conv", "head", "pool"] {
            let selected = rows.filter { $0.part == part }
            guard !selected.isEmpty else { continue }
            let macs = selected.reduce(0) { $0 + $1.multiplyAdds }, seconds = selected.reduce(0) { $0 + $1.seconds }
            lines.append(String(format: "| %@ | %.1f | %.3f | %.0f %% | %@ |", part, Double(macs) / 1e6, seconds * 1e3,
                                100 * seconds / layerSeconds, macs == 0 ? "– | –" : rate(macs, seconds)))
        }
        lines.append(String(format: "| all layers, layer by layer | %.1f | %.3f | 100 %% | %@ |", Double(multiplyAdds) / 1e6,
                            layerSeconds * 1e3, rate(multiplyAdds, layerSeconds)))
        let blocksFused = rows.compactMap(\.fusedBlockSeconds).reduce(0, +)
        let blocksLayered = rows.filter { $0.part == "expand" || $0.part == "depthwise" || $0.part == "project" }.reduce(0) { $0 + $1.seconds }
        lines.append(String(format: "| whole word as `encode` runs it (blocks fused) | %.1f | %.3f | – | %@ |", Double(multiplyAdds) / 1e6,
                            wholeWordSeconds * 1e3, rate(multiplyAdds, wholeWordSeconds)))
        let chainTotal = rows.compactMap(\.chainSeconds).reduce(0, +)
        lines.append(String(format: "(blocks: %.3f ms layer by layer, %.3f ms fused; layers in chain: %.3f ms)", blocksLayered * 1e3,
                            blocksFused * 1e3, chainTotal * 1e3))
        return lines.joined(separator: "\n")
    }
}

public enum EncoderLayerProfileError: Error, CustomStringConvertible {
    case notAChain(String)

    public var description: String {
        switch self {
        case .notAChain(let name):
            "\(name): no layer profile (not a chain of convolutions and inverted-residual blocks; profiled: mobilenetv2, mnasnet, efficientnet-lite0)"
        }
    }
}
