import ArgumentParser
import Foundation
import Viewer

/// `hatnet serve`: a zoomable viewer of slides with their attention overlays, over HTTP.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve slides with attention overlays in a zoomable web viewer (OpenSeadragon, Deep Zoom).",
        discussion: """
        PATH is a demo output (hatnet demo --out DIR), a visualize, predict, attend, evaluation or cohort \
        directory, or slide files. Opens http://HOST:PORT/ with the slides found, their true and \
        predicted classes, and a viewer per slide with word/bag attention, top words/bags and lesion \
        annotation overlays. Listens on 127.0.0.1 only unless --host says otherwise. --port 0 picks \
        a free port. Stops on Ctrl-C.
        """)

    @Argument(help: "Demo output, run/evaluation/attention directories or slide files.")
    var paths: [String]

    @Option(help: "Interface to listen on (a non-loopback address exposes the slides to the network).")
    var host: String = "127.0.0.1"

    @Option(help: "Port (0: any free port).")
    var port: Int = 8080

    @Option(name: .customLong("cache-mb"), help: "Megabytes of encoded tiles kept in memory.")
    var cacheMegabytes: Int = 256

    var options: ServeOptions {
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.cacheBytes = cacheMegabytes.multipliedReportingOverflow(by: 1 << 20).overflow ? -1 : cacheMegabytes << 20
        return options
    }

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one PATH") }
        try libraryRule { try options.validate() }
    }

    func run() throws {
        let catalog = try SlideCatalog(paths: paths.map { URL(fileURLWithPath: $0) })
        catalog.warnings.forEach(warn)
        let options = self.options
        if options.isExposed {
            warn("listening on \(options.host), not on loopback: anyone who can reach this machine can see these slides")
        }
        let server = try ViewerServer(catalog: catalog, options: options)
        let count = catalog.slides.count
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let outcome = AsyncOutcome()
        Task {
            do {
                try await server.run { port in
                    print("hatnet serve: \(count) slide\(count == 1 ? "" : "s") at http://\(host):\(port)/ (Ctrl-C stops)")
                    fflush(stdout)
                }
                outcome.finish(nil)
            } catch {
                outcome.finish(error)
            }
        }
        if let error = outcome.wait() { throw error }
    }
}

/// The end of an async task waited for from synchronous code.
final class AsyncOutcome: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var error: Error?

    func finish(_ error: Error?) {
        self.error = error
        semaphore.signal()
    }

    func wait() -> Error? {
        semaphore.wait()
        return error
    }
}
