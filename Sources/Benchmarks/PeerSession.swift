import Checkpoints
import Foundation
import Slides
import TensorKit

/// A model for the peers to run, described the way the peer script builds it: an encoder twin by
/// architecture and scale, or the attention network by the reference's constructor arguments. The
/// inputs and weights travel through safetensors files in the session's directory.
public struct PeerModel: Encodable, Sendable {
    public enum Kind: String, Encodable, Sendable { case encoder, attention }

    /// The reference's `MIModel` constructor arguments (`mimodel_*.json`).
    public struct AttentionArguments: Encodable, Sendable {
        let nClasses, cnnFeatureSz, outFeatures, numBagsWords, attnHeads: Int
        let dropout, attnP: Float
        let attnType, attnFn: String

        enum CodingKeys: String, CodingKey {
            case nClasses = "n_classes", cnnFeatureSz = "cnn_feature_sz", outFeatures = "out_features"
            case numBagsWords = "num_bags_words", attnHeads = "attn_heads", dropout, attnP = "attn_p"
            case attnType = "attn_type", attnFn = "attn_fn"
        }
    }

    let kind: Kind
    /// `EncoderArchitecture.rawValue` for encoders.
    let architecture: String?
    let scale: Double?
    /// A safetensors file holding `words` (`[N, H, W, 3]` channels-last images, or `[B, Nb, Nw, F]` features).
    let inputs: String
    /// Weights to load (the reference's keys); when nil the script makes seeded weights and writes them to `weightsOut`.
    let weights: String?
    let weightsOut: String?
    let config: AttentionArguments?

    enum CodingKeys: String, CodingKey {
        case kind, architecture, scale, inputs, weights, weightsOut = "weights_out", config
    }

    /// An encoder twin with seeded weights that the script writes to `weightsOut` for us to load.
    public static func encoder(_ architecture: String, scale: Double, inputs: URL, weightsOut: URL) -> PeerModel {
        PeerModel(kind: .encoder, architecture: architecture, scale: scale, inputs: inputs.path, weights: nil,
                  weightsOut: weightsOut.path, config: nil)
    }

    /// The attention twin loaded with `weights` (our state dict, PyTorch keys).
    public static func attention(_ arguments: AttentionArguments, inputs: URL, weights: URL) -> PeerModel {
        PeerModel(kind: .attention, architecture: nil, scale: nil, inputs: inputs.path, weights: weights.path,
                  weightsOut: nil, config: arguments)
    }
}

/// The peer frameworks, by the names the script and the printed tables use.
public enum Peer: String, CaseIterable, Sendable {
    case onnxRuntime = "onnxruntime"
    case openVINO = "openvino"
    case pyTorch = "pytorch"

    /// The Python module each needs.
    var module: String {
        switch self {
        case .onnxRuntime: return "onnxruntime"
        case .openVINO: return "openvino"
        case .pyTorch: return "torch"
        }
    }

    public var displayName: String {
        switch self {
        case .onnxRuntime: return "ONNX Runtime"
        case .openVINO: return "OpenVINO"
        case .pyTorch: return "PyTorch"
        }
    }
}

/// One long-lived Python process running ``PeerScript``: loads a ``PeerModel`` into the requested
/// peers, then times one pass per request, so that our passes and the peers' can alternate in one
/// run on the same inputs and thread count. Its scratch files live in ``directory``, removed by
/// ``close()``; its stderr goes to `peers.log` there and is quoted in errors.
public final class PeerSession {
    public let directory: URL
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    private var buffered = Data()

    /// Why peers cannot run here, with the command that fixes it; nil when `torch`, `onnxruntime`,
    /// `openvino` and `safetensors` all import in ``PythonInterpreter``.
    public static func unavailabilityReason() -> String? {
        let modules = Peer.allCases.map(\.module) + ["safetensors", "numpy"]
        let process = PythonInterpreter.process(arguments: ["-c", "import " + modules.joined(separator: ", ")])
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let started = (try? process.run()) != nil
        let message = started ? String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) : "cannot start it"
        if started { process.waitUntilExit() }
        if started && process.terminationStatus == 0 { return nil }
        let last = message.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
        return """
            \(PythonInterpreter.displayName) cannot import \(modules.joined(separator: ", ")) (\(last)).
            Create the pinned peer environment once (about 6 GB, in ~/.cache/hatnet) and point hatnet at it:
                HATNET_PYTHON=$(scripts/python-env.sh) hatnet bench …  --peers
            """
    }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-peers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("peers.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = PythonInterpreter.process(arguments: ["-c", PeerScript.source])
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: log)
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading
        try process.run()
    }

    deinit { close() }

    /// Loads `model` into `peers` with `threads` threads each; returns the peer names the script set
    /// up (e.g. `pytorch` and `pytorch-train` for the attention network).
    public func load(_ model: PeerModel, peers: [Peer], threads: Int) throws -> [String] {
        struct Request: Encodable {
            let op = "load", model: PeerModel, threads: Int, peers: [String], directory: String
        }
        struct Reply: Decodable { let peers: [String] }
        return try send(Request(model: model, threads: threads, peers: peers.map(\.rawValue), directory: directory.path),
                        as: Reply.self).peers
    }

    /// Seconds of one pass of `peer`, timed inside the peer process.
    public func time(_ peer: String) throws -> Double {
        struct Request: Encodable { let op = "time", peer: String }
        struct Reply: Decodable { let seconds: Double }
        return try send(Request(peer: peer), as: Reply.self).seconds
    }

    /// Runs every peer that has an output once more and returns the outputs by peer name.
    public func outputs() throws -> [String: Tensor] {
        struct Request: Encodable { let op = "outputs", path: String }
        struct Reply: Decodable { let names: [String] }
        let url = directory.appendingPathComponent("outputs.safetensors")
        let names = try send(Request(path: url.path), as: Reply.self).names
        let file = try SafeTensorsFile(url: url)
        return try Dictionary(uniqueKeysWithValues: names.map { ($0, try file.tensor(named: $0)) })
    }

    /// Slide → diagnosis built from peers (openslide-python, OpenCV, ONNX Runtime; the attention
    /// network's PyTorch twin), timed per stage inside the peer process, with its peak memory.
    public func slidePipeline(slide: URL, layout: WordGridLayout, encoder: String, threads: Int, label: String) throws -> PredictBenchmark.Result {
        struct Request: Encodable {
            let op = "pipeline", slide: String, bag: Int, word: Int, encoder: String, threads: Int, directory: String
        }
        struct Reply: Decodable {
            struct Stage: Decodable {
                let name: String, seconds: Double, peakBytes: Int?
                enum CodingKeys: String, CodingKey { case name, seconds, peakBytes = "peak_bytes" }
            }
            let stages: [Stage]
            let probabilities: [Float]
        }
        let reply = try send(Request(slide: slide.path, bag: layout.bagSize, word: layout.wordSize, encoder: encoder, threads: threads,
                                     directory: directory.path), as: Reply.self)
        return PredictBenchmark.Result(label: label, layout: layout,
                                       stages: reply.stages.map { .init(name: $0.name, seconds: $0.seconds, peakBytes: $0.peakBytes) },
                                       probabilities: reply.probabilities)
    }

    /// Waits, at most `limit` seconds, until the peer process has used no CPU for `window` seconds.
    ///
    /// ONNX Runtime's, OpenVINO's (TBB) and PyTorch's (OpenMP) worker threads spin for a while
    /// after a pass before they sleep; without this wait that spinning would share the cores with
    /// the next entrant's pass. Reads the process's user + system clock ticks from
    /// `/proc/<pid>/stat` (10 ms ticks); returns at once if they cannot be read.
    public func waitUntilIdle(window: Double = 0.1, limit: Double = 2) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(limit * 1e9)
        guard var last = cpuTicks() else { return }
        while DispatchTime.now().uptimeNanoseconds < deadline {
            usleep(useconds_t(window * 1e6))
            guard let current = cpuTicks() else { return }
            if current == last { return }
            last = current
        }
    }

    /// utime + stime of the peer process in clock ticks (fields 14 and 15 of `/proc/<pid>/stat`,
    /// counted after the parenthesised command name, which may contain spaces).
    private func cpuTicks() -> Int? {
        guard process.isRunning,
              let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are fields[11] and [12].
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// Ends the Python process and removes the scratch directory.
    public func close() {
        if process.isRunning {
            try? input.write(contentsOf: Data("{\"op\": \"quit\"}\n".utf8))
            try? input.close()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func send<Reply: Decodable>(_ request: some Encodable, as: Reply.Type) throws -> Reply {
        guard process.isRunning else { throw failure("the peer process exited (status \(process.terminationStatus))") }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        try input.write(contentsOf: line)
        let replyLine = try readLine()
        if let error = try? JSONDecoder().decode(PeerErrorReply.self, from: replyLine) { throw failure(error.error) }
        do {
            return try JSONDecoder().decode(Reply.self, from: replyLine)
        } catch {
            throw failure("unexpected reply \(String(decoding: replyLine.prefix(200), as: UTF8.self))")
        }
    }

    private func readLine() throws -> Data {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffered[buffered.startIndex..<newline]
                buffered = Data(buffered[(newline + 1)...])
                return Data(line)
            }
            let chunk = output.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                throw failure("the peer process exited (status \(process.terminationStatus)) without replying")
            }
            buffered.append(chunk)
        }
    }

    private func failure(_ reason: String) -> BenchmarkError {
        let log = (try? String(contentsOf: directory.appendingPathComponent("peers.log"), encoding: .utf8)) ?? ""
        let tail = log.split(separator: "\n").suffix(8).joined(separator: "\n")
        return .peerFailed(tail.isEmpty ? reason : "\(reason)\n\(tail)")
    }
}

/// What the peer script replies when a request failed.
private struct PeerErrorReply: Decodable { let error: String }

/// Alternates timed passes — ours, then each peer, repeated — after one warm-up pass of each, and
/// keeps every entrant's times, so that a slow phase of a shared machine hits all of them alike.
public struct InterleavedTimes: Sendable {
    public private(set) var seconds: [String: [Double]] = [:]
    public let order: [String]

    /// `entrants` are `(name, one timed pass)`; each closure returns the seconds it took. `settle`
    /// runs before every pass, untimed (``PeerSession/waitUntilIdle(window:limit:)``: the previous
    /// entrant's threads have stopped spinning).
    public init(repetitions: Int, entrants: [(name: String, pass: () throws -> Double)], settle: () -> Void = {}) throws {
        order = entrants.map(\.name)
        for entrant in entrants {
            settle()
            _ = try entrant.pass()
        }
        for _ in 0..<repetitions {
            for entrant in entrants {
                settle()
                seconds[entrant.name, default: []].append(try entrant.pass())
            }
        }
    }

    public func best(_ name: String) -> Double? { seconds[name]?.min() }
}

/// `max |peer − ours| / max |ours|` over two tensors of one shape (nil when the shapes differ): the
/// largest difference relative to the output's scale, which random weights make arbitrary.
func relativeDifference(_ peer: Tensor, _ ours: Tensor) -> Float? {
    guard peer.shape == ours.shape else { return nil }
    let difference = zip(peer.scalars, ours.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
    let scale = ours.scalars.reduce(Float(0)) { max($0, abs($1)) }
    return difference / max(scale, .leastNormalMagnitude)
}

/// Writes `tensors` to a safetensors file.
func writeTensors(_ tensors: [(name: String, tensor: Tensor)], to url: URL) throws {
    var writer = SafeTensorsWriter()
    for (name, tensor) in tensors { writer.add(tensor, named: name) }
    try writer.write(to: url)
}
