import Foundation

/// One printed line of a side-by-side run: our best time for a model and each peer's best time in
/// the same run, with `ours / peer` and the largest difference between our output and the peer's
/// relative to our output's largest magnitude (a sanity check that both computed the same thing
/// from the same weights and inputs).
public struct PeerComparison: Sendable {
    public struct Figure: Sendable {
        public let peer: Peer
        public let seconds: Double?
        /// `max |peer − ours| / max |ours|`.
        public let maximumDifference: Float?
    }

    public let model: String
    public let oursSeconds: Double
    public let figures: [Figure]

    public func figure(_ peer: Peer) -> Figure? { figures.first { $0.peer == peer } }

    /// Ours over the peer's time (below 1: we are faster).
    public func ratio(_ peer: Peer) -> Double? {
        figure(peer)?.seconds.map { oursSeconds / $0 }
    }

    public static let markdownHeader = """
        | model | ours s | ONNX Runtime s | ours ÷ ORT | OpenVINO s | ours ÷ OV | PyTorch s | ours ÷ PT | rel. diff (ORT / OV / PT) |
        | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
        """

    public var markdownRow: String {
        var cells = [model, String(format: "%.3f", oursSeconds)]
        for peer in [Peer.onnxRuntime, .openVINO, .pyTorch] {
            cells.append(figure(peer)?.seconds.map { String(format: "%.3f", $0) } ?? "–")
            cells.append(ratio(peer).map { String(format: "%.2f", $0) } ?? "–")
        }
        cells.append([Peer.onnxRuntime, .openVINO, .pyTorch].map { peer in
            figure(peer)?.maximumDifference.map { String(format: "%.1e", $0) } ?? "–"
        }.joined(separator: " / "))
        return "| " + cells.joined(separator: " | ") + " |"
    }
}
