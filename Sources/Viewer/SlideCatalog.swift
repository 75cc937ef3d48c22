import FileOutput
import Foundation
import Pipeline
import Reports
import Slides
import Visualization

/// Errors of the viewer, each naming the file or option at fault.
public enum ViewerError: Error, CustomStringConvertible, LocalizedError, Equatable {
    case unreadable(path: String, reason: String)
    case noSlides(paths: [String])
    case invalidOption(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): \(reason)"
        case .noSlides(let paths):
            return "no slides found in \(paths.joined(separator: ", ")) (looked for slide files — .svs, .tiff, .ndpi, .mrxs, … — "
                + "and the slides named by attention.json and prediction files)"
        case .invalidOption(let message): return message
        }
    }
    public var errorDescription: String? { description }
}

/// What is known of one slide's diagnosis: its true class (labels, evaluation) and the prediction.
public struct SlidePrediction: Sendable, Equatable {
    public var trueClass: String?
    public var predictedClass: String?
    /// Probability of each class, in class order.
    public var probabilities: [(name: String, value: Double)]

    public static func == (left: SlidePrediction, right: SlidePrediction) -> Bool {
        left.trueClass == right.trueClass && left.predictedClass == right.predictedClass
            && left.probabilities.map(\.name) == right.probabilities.map(\.name)
            && left.probabilities.map(\.value) == right.probabilities.map(\.value)
    }
}

/// One slide the server shows: the opened slide, its Deep Zoom pyramid and what is known about it.
public final class CatalogSlide: Sendable {
    /// URL-safe identifier (letters, digits, `.`, `_`, `-`), unique in the catalog.
    public let id: String
    public let source: any SlideSource
    public let geometry: DeepZoomGeometry
    public let prediction: SlidePrediction
    public let attention: ViewerAttention?
    public let annotations: [Annotation]
    public let annotationFile: URL?

    init(id: String, source: any SlideSource, prediction: SlidePrediction, attention: ViewerAttention?,
         annotations: [Annotation], annotationFile: URL?) {
        self.id = id
        self.source = source
        self.geometry = DeepZoomGeometry(slideLevels: source.levels)
        self.prediction = prediction
        self.attention = attention
        self.annotations = annotations
        self.annotationFile = annotationFile
    }

    /// The overlay layers this slide has.
    public var layers: [OverlayLayer] {
        var layers: [OverlayLayer] = []
        if let attention {
            if attention.isComplete { layers += [.wordAttention, .bagAttention] }
            layers += [.topWords, .topBags]
        }
        if !annotations.isEmpty { layers.append(.annotations) }
        return layers
    }
}

/// The slides found under the paths given to `hatnet serve`, with what is known about them.
///
/// A path may be a slide file (any format ``Slides/openSlide(_:)`` reads), or a directory searched
/// (not following symbolic links out of it, skipping hidden entries) for slide files (`.svs`,
/// `.tif(f)`, `.ndpi`, `.mrxs`, `.scn`, `.vms`, `.vmu`, `.bif`, `.svslide`; lesion masks `*_mask.*` excluded),
/// `attention.json` (`hatnet visualize`), `hatnet attend`'s scores files (`.safetensors` with
/// `word_scores` and `bag_scores`), prediction files (`hatnet eval`'s `y_true`/`y_prob` JSON),
/// `hatnet predict` reports, cohort `labels.csv` files and `<slide>.geojson` annotations. A slide
/// named by an attention or prediction file found there is included too. Slides are matched with
/// those files by file name without extension (the image id).
public struct SlideCatalog: Sendable {
    public let slides: [CatalogSlide]
    /// Problems with individual files, reported and skipped (one line each).
    public let warnings: [String]

    public func slide(id: String) -> CatalogSlide? { byID[id] }
    private let byID: [String: CatalogSlide]

    static let slideExtensions: Set<String> = ["svs", "tif", "tiff", "ndpi", "mrxs", "scn", "vms", "vmu", "bif", "svslide"]
    /// Limits of the directory walk.
    static let maximumDepth = 8
    static let maximumEntries = 200_000

    public init(paths: [URL]) throws {
        var found = Found()
        for path in paths {
            let resolved = path.standardizedFileURL.resolvingSymlinksInPath()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory) else {
                throw ViewerError.unreadable(path: path.path, reason: "does not exist")
            }
            if isDirectory.boolValue {
                try Self.walk(root: resolved, into: &found)
            } else {
                found.slideFiles.append(resolved)
            }
        }
        // Slides named by attention documents and predict reports, unless a slide of that name was
        // found under the paths (a copied or moved demo output still names its old place).
        var stems = Set(found.slideFiles.map { $0.deletingPathExtension().lastPathComponent })
        for named in found.attentionDocuments.map({ Self.referencedSlide($0.slide, from: $0.url) })
            + found.reports.map({ Self.referencedSlide($0.report.slide, from: $0.url) }) {
            if stems.insert(named.deletingPathExtension().lastPathComponent).inserted { found.slideFiles.append(named) }
        }

        var warnings = found.warnings
        var slides: [CatalogSlide] = []
        var usedIDs = Set<String>()
        var seenFiles = Set<String>()
        for file in found.slideFiles {
            let key = file.standardizedFileURL.resolvingSymlinksInPath().path
            guard seenFiles.insert(key).inserted else { continue }
            guard FileManager.default.fileExists(atPath: key) else {
                warnings.append("\(key): named by an attention or prediction file but does not exist; skipped")
                continue
            }
            let source: any SlideSource
            do { source = try openSlide(URL(fileURLWithPath: key)) } catch {
                warnings.append("\(key): \(error.localizedDescription); skipped")
                continue
            }
            let stem = file.deletingPathExtension().lastPathComponent
            let id = Self.uniqueID(for: stem, used: &usedIDs)
            let attention = found.attention(for: key, stem: stem, source: source, warnings: &warnings)
            var annotations: [Annotation] = []
            var annotationFile = found.geoJSON[stem]
            if annotationFile == nil {
                let sibling = URL(fileURLWithPath: key).deletingPathExtension().appendingPathExtension("geojson")
                if FileManager.default.fileExists(atPath: sibling.path) { annotationFile = sibling }
            }
            if let file = annotationFile {
                do { annotations = try GeoJSONAnnotationReader.read(contentsOf: file) } catch {
                    warnings.append("\(error.localizedDescription); annotations skipped")
                    annotationFile = nil
                }
            }
            slides.append(CatalogSlide(id: id, source: source, prediction: found.prediction(for: key, stem: stem),
                                       attention: attention, annotations: annotations, annotationFile: annotationFile))
        }
        guard !slides.isEmpty else { throw ViewerError.noSlides(paths: paths.map(\.path)) }
        // Slides with attention first, then by id.
        slides.sort { ($0.attention == nil ? 1 : 0, $0.id) < ($1.attention == nil ? 1 : 0, $1.id) }
        self.slides = slides
        self.warnings = warnings
        byID = Dictionary(uniqueKeysWithValues: slides.map { ($0.id, $0) })
    }

    /// The id a lone slide file gets (`hatnet serve FILE`).
    public static func idOfSlideFile(_ url: URL) -> String {
        var used = Set<String>()
        return uniqueID(for: url.deletingPathExtension().lastPathComponent, used: &used)
    }

    /// The URL-safe form of an image id, made unique with `-2`, `-3`, …
    static func uniqueID(for stem: String, used: inout Set<String>) -> String {
        var base = String(stem.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))) || scalar == "-" || scalar == "_" || scalar == "."
            return allowed ? Character(scalar) : "_"
        })
        if base.isEmpty || base.hasPrefix(".") { base = "slide" + base }
        if base.count > 120 { base = String(base.prefix(120)) }
        var candidate = base, counter = 2
        while !used.insert(candidate).inserted {
            candidate = "\(base)-\(counter)"
            counter += 1
        }
        return candidate
    }

    /// A slide path from a document: absolute, or relative to the working directory, else to the document's folder.
    static func referencedSlide(_ path: String, from document: URL) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        let fromWorkingDirectory = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: fromWorkingDirectory.path) { return fromWorkingDirectory }
        return document.deletingLastPathComponent().appendingPathComponent(path)
    }

    /// An error as a warning line that starts with the file it is about.
    static func describe(_ error: Error, file: URL) -> String {
        let text = String(describing: error)
        return text.hasPrefix(file.path) ? text : "\(file.path): \(text)"
    }

    /// Everything the walk collected.
    struct Found {
        var slideFiles: [URL] = []
        var attentionDocuments: [(url: URL, slide: String, width: Int, height: Int, attention: ViewerAttention)] = []
        var reports: [(url: URL, report: DiagnosisReport)] = []
        /// `hatnet attend`'s files (header checked), with the slide names they answer to: the image id
        /// they record, else their file name and their folder's.
        var scoreFiles: [(header: AttentionScoresFile.Header, slideNames: [String])] = []
        var predictionFiles: [(url: URL, file: PredictionFile)] = []
        var labels: [String: String] = [:]
        var geoJSON: [String: URL] = [:]
        var warnings: [String] = []
        var entries = 0

        /// The slide's attention: from attention.json, else from a scores file of `hatnet attend`
        /// (read and checked against the slide now), else the top bags and words of a predict report.
        func attention(for path: String, stem: String, source: any SlideSource, warnings: inout [String]) -> ViewerAttention? {
            let (width, height) = source.dimensions
            let candidates = attentionDocuments.filter { Self.names($0.slide, path: path, stem: stem) }
            if let document = candidates.first {
                guard document.width == width, document.height == height else {
                    warnings.append("\(document.url.path): made for a \(document.width)×\(document.height) slide, but \(path) is \(width)×\(height); attention skipped")
                    return nil
                }
                return document.attention
            }
            for scores in scoreFiles where scores.slideNames.contains(where: { Self.names($0, path: path, stem: stem) }) {
                guard scores.header.slideCount == 1 else {
                    warnings.append("\(scores.header.url.path): holds the scores of \(scores.header.slideCount) slides; the viewer reads "
                                    + "a file of one slide's (hatnet attend on its features file); attention skipped")
                    continue
                }
                do {
                    return ViewerAttention(try AttentionScoresFile.read(scores.header.url, source: source, layout: nil), source: scores.header.url)
                } catch {
                    warnings.append("\(SlideCatalog.describe(error, file: scores.header.url)); attention skipped")
                }
            }
            if let report = reports.first(where: { Self.names($0.report.slide, path: path, stem: stem) }) {
                return ViewerAttention(report: report.report, source: report.url)
            }
            return nil
        }

        func prediction(for path: String, stem: String) -> SlidePrediction {
            var prediction = SlidePrediction(trueClass: labels[stem], predictedClass: nil, probabilities: [])
            for (_, file) in predictionFiles {
                guard let ids = file.imageIDs, let index = ids.firstIndex(where: { Self.names($0, path: path, stem: stem) }),
                      index < file.trueLabels.count, index < file.probabilities.count else { continue }
                let row = file.probabilities[index]
                let names = file.classNames ?? EvaluationReport.defaultClassNames(count: row.count)
                guard names.count == row.count, row.allSatisfy(\.isFinite) else { continue }
                let truth = file.trueLabels[index]
                if names.indices.contains(truth) { prediction.trueClass = names[truth] }
                let predicted = file.predictedLabels.flatMap { index < $0.count ? $0[index] : nil }
                    ?? row.indices.max { row[$0] < row[$1] } ?? 0
                if names.indices.contains(predicted) { prediction.predictedClass = names[predicted] }
                prediction.probabilities = zip(names, row).map { ($0, $1) }
                return prediction
            }
            if let report = reports.first(where: { Self.names($0.report.slide, path: path, stem: stem) })?.report {
                prediction.predictedClass = report.predictedClass
                prediction.probabilities = report.probabilities.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
            return prediction
        }

        /// Whether `reference` (a path or an image id) names the slide at `path` with file stem `stem`.
        static func names(_ reference: String, path: String, stem: String) -> Bool {
            if reference == path { return true }
            let url = URL(fileURLWithPath: reference)
            if url.standardizedFileURL.resolvingSymlinksInPath().path == path { return true }
            return reference == stem || url.deletingPathExtension().lastPathComponent == stem
        }
    }

    /// Walks `root` (resolved), collecting what the viewer reads; never leaves `root`.
    static func walk(root: URL, into found: inout Found) throws {
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        func visit(_ directory: URL, depth: Int) {
            guard depth <= maximumDepth, found.entries < maximumEntries else { return }
            let entries: [URL]
            do {
                entries = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey],
                                                                      options: [.skipsHiddenFiles])
            } catch {
                found.warnings.append("\(directory.path): cannot list (\(error.localizedDescription)); skipped")
                return
            }
            for entry in entries.sorted(by: { $0.path < $1.path }) {
                found.entries += 1
                guard found.entries < maximumEntries else {
                    found.warnings.append("\(root.path): more than \(maximumEntries) entries; the rest were not searched")
                    return
                }
                // Symbolic links are followed only when they stay inside the root.
                let resolved = entry.resolvingSymlinksInPath()
                guard resolved.path.hasPrefix(rootPath) else { continue }
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: resolved.path, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    visit(resolved, depth: depth + 1)
                } else {
                    collect(resolved)
                }
            }
        }
        func collect(_ file: URL) {
            let name = file.lastPathComponent, extensionName = file.pathExtension.lowercased()
            let stem = file.deletingPathExtension().lastPathComponent
            if slideExtensions.contains(extensionName) && !stem.hasSuffix("_mask") {
                found.slideFiles.append(file)
            } else if extensionName == "geojson" {
                found.geoJSON[stem] = found.geoJSON[stem] ?? file
            } else if name == "labels.csv" {
                readLabels(file)
            } else if name == "attention.json" {
                do {
                    let document = try ViewerAttention.readAttentionDocument(file)
                    found.attentionDocuments.append((file, document.slide, document.width, document.height, document.attention))
                } catch { found.warnings.append("\(error.localizedDescription); skipped") }
            } else if extensionName == "json" {
                readJSON(file)
            } else if extensionName == "safetensors" {
                do {
                    guard let header = try AttentionScoresFile.header(file) else { return }
                    let names = header.imageID.map { [$0] } ?? [stem, file.deletingLastPathComponent().lastPathComponent]
                    found.scoreFiles.append((header, names))
                } catch { found.warnings.append("\(describe(error, file: file)); skipped") }
            }
        }
        func readJSON(_ file: URL) {
            guard let data = try? FileContents.read(file, maximumBytes: 64 << 20, kind: "JSON file"),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
            if object["y_true"] != nil, object["y_prob"] != nil, let prediction = try? JSONDecoder().decode(PredictionFile.self, from: data) {
                found.predictionFiles.append((file, prediction))
            } else if object["predicted_class"] != nil, object["top_bags"] != nil {
                do { found.reports.append((file, try JSONDecoder().decode(DiagnosisReport.self, from: data))) } catch {
                    found.warnings.append("\(file.path): \(JSONProblem.describe(error, data: data)); skipped")
                }
            }
        }
        func readLabels(_ file: URL) {
            guard let data = try? FileContents.read(file, maximumBytes: 64 << 20, kind: "labels file") else { return }
            let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }),
                  let idColumn = header.firstIndex(of: "image_id"), let classColumn = header.firstIndex(of: "class_name") else { return }
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count > max(idColumn, classColumn) else { continue }
                found.labels[fields[idColumn]] = fields[classColumn]
            }
        }
        visit(root, depth: 0)
    }
}
