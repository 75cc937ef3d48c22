import Foundation
import Slides
import TestSupport
import Testing
import Viewer

/// The viewer page in headless Chromium (Debian's `chromium`, installed by scripts/ensure-deps.sh):
/// OpenSeadragon draws the slide and the overlay, the page reports no error, and screenshots show
/// the slide and, over it, the word attention.
@Suite(.serialized)
struct ViewerBrowserTests {
    static let chromium = "/usr/bin/chromium"
    static let windowWidth = 1280, windowHeight = 800
    /// The side panel is 20rem (320 px) wide; the viewer fills the rest.
    static let viewerLeft = 330

    struct Run {
        let stdout: String
        let stderr: String
    }

    /// `virtualTimeBudget` is in Chromium's virtual milliseconds: it runs timers ahead while the page
    /// is idle and waits for pending loads, so a large budget costs real time only when tiles are slow.
    static func chromium(_ arguments: [String], url: String, virtualTimeBudget: Int = 30000) throws -> Run {
        try #require(FileManager.default.isExecutableFile(atPath: chromium),
                     "\(chromium) is missing: run scripts/ensure-deps.sh (it installs Debian's chromium)")
        let profile = try TemporaryDirectory()
        let arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--disable-extensions", "--hide-scrollbars", "--user-data-dir=\(profile.url.path)",
                         "--window-size=\(windowWidth),\(windowHeight)", "--virtual-time-budget=\(virtualTimeBudget)",
                         "--enable-logging=stderr", "--v=0"] + arguments + [url]
        let outcome = try ChildProcess.run(URL(fileURLWithPath: chromium), arguments: arguments, timeout: 240)
        return Run(stdout: outcome.stdout, stderr: outcome.stderr)
    }

    /// Console messages Chromium logged (`CONSOLE(line)] "message"`): the page logs none when all is well.
    static func consoleLines(_ run: Run) -> [String] {
        run.stderr.split(separator: "\n").map(String.init).filter { $0.contains("CONSOLE") }
    }

    /// Luminance of the viewer part of a screenshot, and how much of it is not the viewer's #222 background.
    static func viewerPixels(_ image: RGBImage) -> (luminance: [Double], colours: [(Int, Int, Int)]) {
        var luminance: [Double] = [], colours: [(Int, Int, Int)] = []
        for y in 0..<image.height {
            for x in viewerLeft..<image.width {
                let (r, g, b) = image[x, y]
                luminance.append(0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b))
                colours.append((Int(r), Int(g), Int(b)))
            }
        }
        return (luminance, colours)
    }

    static func isBackground(_ colour: (Int, Int, Int)) -> Bool {
        abs(colour.0 - 0x22) < 6 && abs(colour.1 - 0x22) < 6 && abs(colour.2 - 0x22) < 6
    }

    @Test func viewerDrawsTheSlideAndItsAttentionWithoutErrors() throws {
        let fixture = try ViewerFixture()
        let server = try ServerProcess([fixture.root.path])
        let base = "http://127.0.0.1:\(server.port)/view/\(ViewerFixture.slideID)"

        // The DOM after OpenSeadragon has run: tiles of the slide and of the overlay were drawn, no error.
        // On a machine busy with the rest of the suite (CI starts every suite at once) one page load can
        // end its virtual-time budget before the first tile arrives: load it again, with more budget,
        // up to three times. An error or a page that never draws still fails.
        var dom = Run(stdout: "", stderr: "")
        var drawnSlide = 0, drawnOverlays = 0
        for attempt in 1...3 {
            dom = try Self.chromium(["--dump-dom"], url: base + "?layers=words&opacity=0.5", virtualTimeBudget: 30000 * attempt)
            drawnSlide = Self.attribute("data-drawn-slide", in: dom.stdout).flatMap { Int($0) } ?? 0
            drawnOverlays = Self.attribute("data-drawn-overlays", in: dom.stdout).flatMap { Int($0) } ?? 0
            if (drawnSlide > 0 && drawnOverlays > 0) || Self.attribute("data-errors", in: dom.stdout) != nil { break }
            print("viewer page load \(attempt): \(drawnSlide) slide and \(drawnOverlays) overlay tiles drawn, loading again")
        }
        #expect(drawnSlide > 0, "no slide tile drawn; DOM: \(dom.stdout.prefix(2000))")
        #expect(drawnOverlays > 0, "no overlay tile drawn")
        #expect(Self.attribute("data-errors", in: dom.stdout) == nil, "the page recorded errors: \(Self.attribute("data-errors", in: dom.stdout) ?? "")")
        #expect(Self.consoleLines(dom).isEmpty, "console: \(Self.consoleLines(dom))")

        // Screenshots without and with the word attention at half opacity.
        let shots = try TemporaryDirectory()
        let plainPath = shots.file("plain.png").path, overlayPath = shots.file("overlay.png").path
        let plainRun = try Self.chromium(["--screenshot=\(plainPath)"], url: base + "?layers=")
        let overlayRun = try Self.chromium(["--screenshot=\(overlayPath)"], url: base + "?layers=words&opacity=0.5")
        #expect(Self.consoleLines(plainRun).isEmpty && Self.consoleLines(overlayRun).isEmpty,
                "console: \(Self.consoleLines(plainRun) + Self.consoleLines(overlayRun))")
        let plain = Self.viewerPixels(try PNGImage.read(path: plainPath))
        let overlay = Self.viewerPixels(try PNGImage.read(path: overlayPath))
        try #require(plain.colours.count == overlay.colours.count)

        // The slide is visible: much of the viewer is not background, and it is stained pink/purple
        // (red and blue above green on average), as the synthetic H&E slide is.
        let slidePixels = plain.colours.indices.filter { !Self.isBackground(plain.colours[$0]) }
        let slideShare = Double(slidePixels.count) / Double(plain.colours.count)
        #expect(slideShare > 0.3, "only \(slideShare) of the viewer shows the slide")
        let meanRed = slidePixels.map { Double(plain.colours[$0].0) }.reduce(0, +) / Double(max(1, slidePixels.count))
        let meanGreen = slidePixels.map { Double(plain.colours[$0].1) }.reduce(0, +) / Double(max(1, slidePixels.count))
        #expect(meanRed > meanGreen + 10, "the slide area is not H&E-coloured (mean red \(meanRed), green \(meanGreen))")

        // The overlay is visible: it changes most of the slide area ...
        let changed = slidePixels.filter { index in
            let a = plain.colours[index], b = overlay.colours[index]
            return abs(a.0 - b.0) + abs(a.1 - b.1) + abs(a.2 - b.2) > 45
        }
        let changedShare = Double(changed.count) / Double(max(1, slidePixels.count))
        #expect(changedShare > 0.5, "the word attention changed only \(changedShare) of the slide area")
        // ... and the slide still shows through it: its luminance pattern is still correlated with the plain one.
        let a = slidePixels.map { plain.luminance[$0] }, b = slidePixels.map { overlay.luminance[$0] }
        let correlation = Self.correlation(a, b)
        #expect(correlation > 0.2, "the slide does not show through the overlay (correlation \(correlation))")
    }

    /// The value of the first `name="…"` attribute in `html`.
    static func attribute(_ name: String, in html: String) -> String? {
        guard let start = html.range(of: name + "=\"") else { return nil }
        let rest = html[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let meanA = a.reduce(0, +) / Double(a.count), meanB = b.reduce(0, +) / Double(b.count)
        var covariance = 0.0, varianceA = 0.0, varianceB = 0.0
        for index in a.indices {
            covariance += (a[index] - meanA) * (b[index] - meanB)
            varianceA += (a[index] - meanA) * (a[index] - meanA)
            varianceB += (b[index] - meanB) * (b[index] - meanB)
        }
        return covariance / max(1e-9, (varianceA * varianceB).squareRoot())
    }
}
