import FileOutput
import Foundation
import Pipeline

/// `hatnet features` for one slide: every scale and view of it in the ``FeatureCache``, under the
/// slide's cache lock `<image id>/.hatnet.lock` (the same lock a plain ``FeatureExtraction`` run
/// takes, so both kinds of worker can share a cache). The manifest is the cache's key directory's.
public struct FeatureSlideTask: SlideTask {
    public let extraction: FeatureExtraction
    /// Receives the files recomputed because they were damaged or stale.
    public let notice: (FeatureExtraction.Notice) -> Void

    public init(extraction: FeatureExtraction, notice: @escaping (FeatureExtraction.Notice) -> Void = { _ in }) {
        self.extraction = extraction
        self.notice = notice
    }

    public var command: String { "features" }
    public var directory: URL { extraction.cache.directory }

    public var settings: [String: String] {
        var settings = extraction.wordEncoder.settings.metadata(view: extraction.views > 1 ? 1 : 0)
        settings["encoder"] = extraction.cache.key.encoderName
        settings["weights_sha256"] = extraction.cache.key.weightsSHA256
        settings["scales"] = extraction.scales.map(\.description).joined(separator: ",")
        settings["views"] = "\(extraction.views)"
        return settings
    }

    public func claim(_ unit: SlideWorkUnit) throws -> DirectoryLock? {
        try extraction.claimSlide(unit.id, purpose: "hatnet features \(unit.id)")
    }

    public func lockFile(for unit: SlideWorkUnit) -> URL {
        extraction.cache.slideDirectory(imageID: unit.id).appendingPathComponent(DirectoryLock.fileName)
    }

    public func perform(_ unit: SlideWorkUnit) throws -> (files: [URL], note: String) {
        let (computed, cached) = try extraction.extract(imageID: unit.id, file: unit.file, notice: notice)
        return (extraction.files(imageID: unit.id), "\(computed) file(s) computed, \(cached) cached")
    }
}
