import Foundation
import Slides
import TensorKit
import Viewer

/// `hatnet bench serve`: `hatnet serve` on a large slide (a subprocess, so its memory is its own)
/// under concurrent clients, each fetching random Deep Zoom tiles at random levels over a kept-alive
/// connection: throughput, latency percentiles, errors and the server's peak RSS.
public enum ServeBenchmark {
    public struct Result: Sendable {
        public let requests: Int
        public let errors: Int
        public let seconds: Double
        public let latencies: [Double]
        public let serverPeakBytes: Int?
        public let firstErrors: [String]

        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }

        public var lines: [String] {
            var lines = [
                String(format: "%d requests in %.1f s: %.1f tiles/s, %d errors", requests, seconds, Double(requests) / seconds, errors),
                String(format: "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(0.5) * 1000, percentile(0.99) * 1000,
                       (latencies.max() ?? .nan) * 1000),
                "server peak RSS: " + (serverPeakBytes.map { String(format: "%.2f GB", Double($0) / 1e9) } ?? "unknown"),
            ]
            lines += firstErrors.map { "error: \($0)" }
            return lines
        }
    }

    /// Starts `executable serve slide --port 0`, waits for its address, runs `clients` clients for
    /// `seconds` (each request a uniformly random Deep Zoom level from `lowestLevel` up, then a
    /// uniformly random tile of it), then reads the server's peak RSS and stops it. With all levels,
    /// the coarse levels' few tiles are soon cached; a high `lowestLevel` measures cutting tiles.
    public static func run(executable: URL, slide: URL, clients: Int, seconds: Double, cacheMegabytes: Int, seed: UInt64, lowestLevel: Int = 0,
                           progress: (String) -> Void) throws -> Result {
        let source = try openSlide(slide)
        let geometry = DeepZoomGeometry(slideLevels: source.levels)
        let id = SlideCatalog.idOfSlideFile(slide)

        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", slide.path, "--port", "0", "--cache-mb", String(cacheMegabytes)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            if process.isRunning { process.terminate(); process.waitUntilExit() }
        }
        // "hatnet serve: 1 slide at http://127.0.0.1:PORT/ …", read by a thread that keeps draining
        // the pipe afterwards (a full pipe would stall the server).
        let announcement = ServerAnnouncement()
        Thread.detachNewThread { announcement.read(output.fileHandleForReading) }
        guard let port = announcement.port(timeout: 120) else {
            throw LoopbackHTTPClient.Failure(description: process.isRunning ? "hatnet serve did not announce its port within 120 s"
                                             : "hatnet serve exited before listening")
        }
        progress("server up on port \(port); \(clients) clients for \(Int(seconds)) s")

        let results = LockedResults()
        let deadline = Date().addingTimeInterval(seconds)
        let start = DispatchTime.now().uptimeNanoseconds
        // One thread per client, all at once (`concurrentPerform` would run only one per core).
        let finished = DispatchGroup()
        for client in 0..<clients {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                var generator = SeededGenerator(seed: seed &+ UInt64(client) &* 7919)
                let http = LoopbackHTTPClient(port: port)
                var latencies: [Double] = [], errors: [String] = []
                while Date() < deadline {
                    let level = Int.random(in: min(lowestLevel, geometry.levelCount - 1)..<geometry.levelCount, using: &generator)
                    let counts = geometry.tileCounts(level: level)
                    let column = Int.random(in: 0..<counts.columns, using: &generator), row = Int.random(in: 0..<counts.rows, using: &generator)
                    let target = "/slides/\(id)_files/\(level)/\(column)_\(row).jpeg"
                    let begin = DispatchTime.now().uptimeNanoseconds
                    do {
                        let response = try http.get(target)
                        if response.status != 200 || response.body.isEmpty { errors.append("\(target): HTTP \(response.status)") }
                    } catch {
                        errors.append("\(target): \(error)")
                    }
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
                }
                results.add(latencies: latencies, errors: errors)
            }
        }
        finished.wait()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let peak = serverPeakResidentBytes(pid: process.processIdentifier)
        process.terminate()
        process.waitUntilExit()
        return Result(requests: results.latencies.count, errors: results.errors.count, seconds: elapsed, latencies: results.latencies,
                      serverPeakBytes: peak, firstErrors: Array(results.errors.prefix(5)))
    }

    /// `VmHWM` of another process, from `/proc/<pid>/status`.
    static func serverPeakResidentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        return nil
    }

    /// The port `hatnet serve` prints, read from its standard output (which is then drained to its end).
    private final class ServerAnnouncement: @unchecked Sendable {
        private let condition = NSCondition()
        private var text = "", announced: Int?, ended = false

        func read(_ handle: FileHandle) {
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty { ended = true } else if announced == nil {
                    text += String(decoding: chunk, as: UTF8.self)
                    if let range = text.range(of: #"127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                        announced = Int(text[range].dropFirst("127.0.0.1:".count).dropLast())
                    }
                }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }

        func port(timeout: TimeInterval) -> Int? {
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            while announced == nil && !ended && condition.wait(until: deadline) {}
            return announced
        }
    }

    private final class LockedResults: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var latencies: [Double] = []
        private(set) var errors: [String] = []

        func add(latencies: [Double], errors: [String]) {
            lock.lock()
            self.latencies += latencies
            self.errors += errors
            lock.unlock()
        }
    }
}
