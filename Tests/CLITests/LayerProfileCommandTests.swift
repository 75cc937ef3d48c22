import Foundation
import Testing
import TestSupport

/// `hatnet bench encoders --layer-profile` end to end through the binary: it prints the FMA peak
/// and one row per layer whose multiply-adds add up to the hand-derived totals. Speed is never
/// asserted (BENCHMARKS.md has the figures).
@Suite struct LayerProfileCommandTests {
    /// Cells of the Markdown rows of the first table after `title` (header and rule skipped).
    private func table(after title: String, in output: String) -> [[String]] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(title) }) else { return [] }
        return lines[(start + 1)...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2)
            .map { $0.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// MobileNetV2 (width 1.0) on one 256² word, by hand from torchvision's inverted-residual
    /// setting (t, c, n, s) = (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2)
    /// (6,320,1,1): stem 128²·32·27 = 14.156 M; expansions Σ H²·Cin·6Cin = 169.476 M (e.g. the first,
    /// 128²·16·96 = 25.166 M); depthwise Σ H'²·hidden·9 = 27.058 M; projections Σ H'²·hidden·Cout =
    /// 154.272 M; head 8²·320·1280 = 26.214 M; total 391.176 M.
    static let mobileNetV2MegaMACs: [String: Double] = [
        "stem": 14.156, "expand": 169.476, "depthwise": 27.058, "project": 154.272, "head": 26.214,
    ]

    @Test func mobileNetV2LayersAddUpToTheHandDerivedMultiplyAdds() throws {
        let scratch = try TemporaryDirectory()
        let output = try CommandLineHarness.expectSuccess(
            ["bench", "encoders", "--layer-profile", "--encoders", "mobilenetv2", "--encoders", "espnetv2", "--repetitions", "1"],
            in: scratch.url, timeout: 600)
        let peakLine = try #require(output.split(separator: "\n").first { $0.hasPrefix("FMA peak measured now") }, "\(output)")
        let peak = try #require(peakLine.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, "\(peakLine)")
        #expect(peak > 1, "\(peakLine)")

        let rows = table(after: "mobilenetv2", in: output)
        // stem, 17 blocks (the first without expansion: 2 rows, the others 3), head, pool
        #expect(rows.count == 1 + 2 + 16 * 3 + 1 + 1, "\(output)")
        let total = rows.compactMap { Double($0[5]) }.reduce(0, +)
        #expect(abs(total - 391.176) < 0.1, "per-layer MACs add up to \(total) M, expected 391.176 M")
        for part in Self.mobileNetV2MegaMACs.keys {
            let sum = rows.filter { $0[1] == part }.compactMap { Double($0[5]) }.reduce(0, +)
            #expect(abs(sum - Self.mobileNetV2MegaMACs[part]!) < 0.01, "\(part): \(sum) M MACs")
        }
        for row in rows where row[1] != "pool" {
            // ms, GFLOP/s and % of peak are positive numbers
            #expect(Double(row[6]).map { $0 > 0 } == true && Double(row[7]).map { $0 > 0 } == true, "\(row)")
            #expect(row[8].hasSuffix("%"), "\(row)")
        }
        // Each chain layer (stem, 17 blocks on their projection row, head) is timed inside whole words too
        let inChain = rows.filter { !$0[10].isEmpty }
        #expect(inChain.count == 1 + 17 + 1 && inChain.allSatisfy { ["stem", "project", "head"].contains($0[1]) && Double($0[10]).map { $0 > 0 } == true },
                "\(inChain)")
        // The 3×3 stride-2 stem reads 256² and writes 128² × 32
        #expect(rows.first?[0] == "features.0" && rows.first?[2] == "256×256" && rows.first?[3] == "3→32"
                && rows.first?[4] == "3×3/2", "\(rows.first ?? [])")
        // ESPNetv2 is not a layer chain: said so, not profiled wrongly
        #expect(output.contains("espnetv2: no layer profile"), "\(output)")
    }

    @Test func layerProfileRefusesPeersAndOnlyFoundation() throws {
        let scratch = try TemporaryDirectory()
        for extra in ["--peers", "--only-foundation"] {
            let outcome = try CommandLineHarness.run(["bench", "encoders", "--layer-profile", extra], in: scratch.url)
            #expect(outcome.status != 0 && !outcome.endedBySignal && outcome.stderr.contains("--layer-profile"), "\(outcome.stderr)")
        }
    }
}
