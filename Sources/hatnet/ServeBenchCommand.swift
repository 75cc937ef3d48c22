import ArgumentParser
import Benchmarks
import Foundation

/// `hatnet bench serve`: throughput, latency and peak memory of `hatnet serve` under concurrent clients.
struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Tiles/s, p50/p99 latency, errors and peak RSS of hatnet serve with concurrent clients on a large slide.",
        discussion: """
        Uses --slide, or generates the synthetic slide of --size once into --directory (streamed; the \
        same file hatnet bench slide makes). Starts this hatnet's `serve` on a free loopback port and \
        runs --clients clients, each on one kept-alive connection, fetching uniformly random tiles at \
        uniformly random Deep Zoom levels for --seconds.
        """)

    @Option(help: "A slide to serve instead of the generated one.")
    var slide: String?

    @Option(help: "Where the generated benchmark slide is kept.")
    var directory: String = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-bench").path

    @Option(help: "Size of the generated slide.")
    var size: SlideSize = SlideSize(width: 100_000, height: 80_000)

    @Option(help: "Concurrent clients.")
    var clients: Int = 8

    @Option(help: "Seconds of load.")
    var seconds: Int = 60

    @Option(name: .customLong("cache-mb"), help: "The server's tile cache, in megabytes.")
    var cacheMegabytes: Int = 256

    @Option(name: .customLong("lowest-level"), help: "Lowest Deep Zoom level asked for (0: all; the finest levels have the most tiles and miss the cache).")
    var lowestLevel: Int = 0

    @Option(help: "Seed of the random tile choice.")
    var seed: UInt64 = 13

    func validate() throws {
        guard (256...200_000).contains(size.width), (256...200_000).contains(size.height) else {
            throw ValidationError("--size must be between 256x256 and 200000x200000, got \(size.width)x\(size.height)")
        }
        guard (1...256).contains(clients) else { throw ValidationError("--clients must be 1…256, got \(clients)") }
        guard (1...3600).contains(seconds) else { throw ValidationError("--seconds must be 1…3600, got \(seconds)") }
        guard (0...64).contains(lowestLevel) else { throw ValidationError("--lowest-level must be 0…64, got \(lowestLevel)") }
        guard (0...65_536).contains(cacheMegabytes) else { throw ValidationError("--cache-mb must be 0…65536, got \(cacheMegabytes)") }
    }

    func run() throws {
        let progress = ProgressLine()
        let report: (String) -> Void = { progress.update("bench serve: \($0)") }
        let slideURL: URL
        if let slide {
            slideURL = URL(fileURLWithPath: slide)
        } else {
            let (url, generation) = try SlideBenchmark.slide(width: size.width, height: size.height, in: URL(fileURLWithPath: directory), progress: report)
            if let generation { print(String(format: "generated %@ in %.1f s", url.lastPathComponent, generation)) }
            slideURL = url
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let result = try ServeBenchmark.run(executable: executable, slide: slideURL, clients: clients, seconds: Double(seconds),
                                            cacheMegabytes: cacheMegabytes, seed: seed, lowestLevel: lowestLevel, progress: report)
        progress.finish()
        print("hatnet serve \(slideURL.lastPathComponent), \(clients) clients, random tiles at random levels ≥ \(lowestLevel), cache \(cacheMegabytes) MB:")
        result.lines.forEach { print($0) }
    }
}
