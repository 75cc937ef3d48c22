import Foundation
import FileOutput

/// The layout of a `hatnet demo` output directory:
///
///     <root>/cohort/         synthetic slides (.tiff), lesion masks (_mask.png), GeoJSON, labels.csv,
///                            train.txt / val.txt / test.txt, and cohort.json (what generated them)
///     <root>/features/       the feature cache (`hatnet features`)
///     <root>/run/            the training run (`hatnet train`)
///     <root>/evaluation/     metrics JSON/CSV, ROC and confusion-matrix plots (`hatnet eval`)
///     <root>/attention/<id>/ attention figures and attention.json per test slide (`hatnet visualize`)
///     <root>/report.html     the self-contained report
///
/// The cohort and its features are reused by a later run with the same cohort settings; the
/// run, evaluation, attention figures and report are replaced on every run.
public struct DemoDirectory: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public var cohort: URL { root.appendingPathComponent("cohort", isDirectory: true) }
    /// Written after the cohort is complete: the settings it was generated with.
    public var cohortStamp: URL { cohort.appendingPathComponent("cohort.json") }
    public var features: URL { root.appendingPathComponent("features", isDirectory: true) }
    public var run: URL { root.appendingPathComponent("run", isDirectory: true) }
    public var evaluation: URL { root.appendingPathComponent("evaluation", isDirectory: true) }
    public var attention: URL { root.appendingPathComponent("attention", isDirectory: true) }
    public var report: URL { root.appendingPathComponent("report.html") }

    /// The split file `<cohort>/<name>.txt`.
    public func splitFile(_ name: String) -> URL { cohort.appendingPathComponent("\(name).txt") }
    /// The slide, its GeoJSON annotations and its attention directory.
    public func slide(_ imageID: String) -> URL { cohort.appendingPathComponent("\(imageID).tiff") }
    public func annotations(_ imageID: String) -> URL { cohort.appendingPathComponent("\(imageID).geojson") }
    public func attention(_ imageID: String) -> URL { attention.appendingPathComponent(imageID, isDirectory: true) }

    /// Whether the cohort on disk was completely generated with `settings`.
    func holdsCohort(_ settings: DemoCohortSettings) -> Bool {
        guard let data = try? Data(contentsOf: cohortStamp),
              let stamped = try? JSONDecoder().decode(DemoCohortSettings.self, from: data) else { return false }
        return stamped == settings
    }

    /// Records that the cohort was generated with `settings` (atomically, after the cohort).
    func stampCohort(_ settings: DemoCohortSettings) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(String(decoding: try encoder.encode(settings), as: UTF8.self) + "\n", to: cohortStamp)
    }

    /// Removes `url` (a directory the demo owns) if it exists.
    func remove(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw DemoError.outputDirectory(path: url.path, reason: "cannot remove the previous demo output (\(error.localizedDescription))")
        }
    }

    /// Creates `url` and its parents.
    func create(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw DemoError.outputDirectory(path: url.path, reason: "cannot create the directory (\(error.localizedDescription))")
        }
    }
}
