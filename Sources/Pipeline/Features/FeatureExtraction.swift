import FileOutput
import Foundation
import Slides

/// What `hatnet features` does: encodes every slide once per (bag, word) scale and per augmented
/// view into a ``FeatureCache``, replacing the reference's per-epoch `features_from_cnn`
/// (train_and_eval/train_utils.py) by a single pass.
///
/// Each file is computed by ``WordFeatureEncoder/encode(_:imageID:scale:view:)``, whose output
/// depends only on the slide, scale, view and settings, not on the order of the work. A file
/// already in the cache is reused only when ``FeatureCache/status(imageID:scale:view:settings:)``
/// finds it complete and made with the same settings; a damaged file or one made otherwise is
/// recomputed and reported. An interrupted run resumes where it stopped.
///
/// Several processes may fill one cache at once: each slide is claimed with a lock file
/// (`<image id>/.hatnet.lock`) while its files are checked and computed, and a slide another live
/// process holds is skipped and reported, so every file is computed once and the finished cache
/// is the same as after a single run.
public struct FeatureExtraction {
    public let wordEncoder: WordFeatureEncoder
    public let cache: FeatureCache
    public let scales: [WordGridLayout]
    public let views: Int

    public init(wordEncoder: WordFeatureEncoder, cache: FeatureCache, scales: [WordGridLayout], views: Int) {
        precondition(!scales.isEmpty && views >= 1, "FeatureExtraction needs at least one scale and one view")
        self.wordEncoder = wordEncoder
        self.cache = cache
        self.scales = scales
        self.views = views
    }

    /// Where a run stands, for a progress line.
    public struct Progress: Sendable {
        /// Files done (computed, already cached, or left to another process) of `total`.
        public let done: Int
        public let total: Int
        /// Files found in the cache and skipped so far.
        public let skipped: Int
        /// What was just finished, e.g. `slide_003 bag_1024_word_256 view 0`.
        public let item: String
        public let elapsedSeconds: Double
        /// Estimated seconds left, from the mean time of the files computed so far.
        public let remainingSeconds: Double?
    }

    /// Something the user should know about a run, for a line on standard error.
    public enum Notice: Sendable, CustomStringConvertible {
        /// A file that exists but cannot be reused is computed again.
        case recomputing(file: URL, reason: String)
        /// Another live process is computing this slide; its files were left to it.
        case busy(imageID: String, holder: String)

        public var description: String {
            switch self {
            case let .recomputing(file, reason):
                return "\(file.path): recomputing, \(reason)"
            case let .busy(imageID, holder):
                return "\(imageID): skipped, another process is computing it (\(holder)); run again afterwards to check it"
            }
        }
    }

    /// Encodes the slides `(imageID, file)` into the cache.
    /// - Parameters:
    ///   - progress: receives a ``Progress`` after each file.
    ///   - notice: receives every damaged or stale file recomputed and every slide left to another process.
    /// - Returns: the number of files computed and skipped as already cached (files of slides left
    ///   to another process are in neither).
    /// - Throws: ``PipelineError`` for an invalid image id or an unwritable cache; errors of the
    ///   slide readers and the encoder.
    @discardableResult
    public func run(slides: [(imageID: String, file: URL)], progress: (Progress) -> Void = { _ in },
                    notice: (Notice) -> Void = { _ in }) throws -> (computed: Int, skipped: Int) {
        for slide in slides { try cache.requireValid(imageID: slide.imageID) }
        let total = slides.count * scales.count * views
        let start = Date()
        var computed = 0, skipped = 0, left = 0
        func report(_ item: String) {
            let elapsed = Date().timeIntervalSince(start)
            let remaining = computed > 0 ? elapsed / Double(computed) * Double(total - computed - skipped - left) : nil
            progress(Progress(done: computed + skipped + left, total: total, skipped: skipped, item: item,
                              elapsedSeconds: elapsed, remainingSeconds: remaining))
        }
        for slide in slides {
            guard let lock = try claim(slide.imageID, notice: notice) else {
                left += scales.count * views
                report("\(slide.imageID) (another process)")
                continue
            }
            defer { lock.release() }
            try extract(imageID: slide.imageID, file: slide.file, notice: notice, finished: report) { wasComputed in
                if wasComputed { computed += 1 } else { skipped += 1 }
            }
        }
        return (computed, skipped)
    }

    /// Computes the files of one slide that are not validly cached, without taking its lock: the
    /// caller holds `<image id>/.hatnet.lock` (``claimSlide(_:purpose:)``), as ``run(slides:progress:notice:)``
    /// and the per-slide work units of the `Cohort` module do.
    /// - Parameters:
    ///   - finished: receives a description of each file as it is finished.
    ///   - counted: receives, per file, whether it was computed (`true`) or found cached (`false`).
    /// - Returns: the number of files computed and found cached.
    @discardableResult
    public func extract(imageID: String, file: URL, notice: (Notice) -> Void = { _ in },
                        finished: (String) -> Void = { _ in }, counted: (Bool) -> Void = { _ in }) throws -> (computed: Int, skipped: Int) {
        try cache.requireValid(imageID: imageID)
        let settings = wordEncoder.settings
        var computed = 0, skipped = 0
        var source: (any SlideSource)?
        for scale in scales {
            for view in 0..<views {
                let url = cache.url(imageID: imageID, scale: scale, view: view)
                switch cache.status(imageID: imageID, scale: scale, view: view, settings: settings) {
                case .valid:
                    skipped += 1
                    counted(false)
                    finished("\(imageID) \(scale) view \(view)")
                    continue
                case .missing:
                    break
                case let .stale(reasons):
                    notice(.recomputing(file: url, reason: "it was made with other settings: " + reasons.joined(separator: "; ")))
                case let .damaged(reason):
                    notice(.recomputing(file: url, reason: "it is damaged: \(reason)"))
                }
                if source == nil { source = try openSlide(file) }
                let features = try wordEncoder.encode(source!, imageID: imageID, scale: scale, view: view)
                try cache.write(features, imageID: imageID, settings: settings)
                computed += 1
                counted(true)
                finished("\(imageID) \(scale) view \(view)")
            }
        }
        return (computed, skipped)
    }

    /// The files one slide has in the cache, in scale and view order.
    public func files(imageID: String) -> [URL] {
        scales.flatMap { scale in (0..<views).map { cache.url(imageID: imageID, scale: scale, view: $0) } }
    }

    /// Locks one slide's cache directory (creating it) for another process's work unit, removing
    /// temporary files killed processes left there; `nil` when another process holds it.
    public func claimSlide(_ imageID: String, purpose: String) throws -> DirectoryLock? {
        try claim(imageID, purpose: purpose) { _ in }
    }

    /// Locks one slide's cache directory (creating it), removing temporary files killed processes
    /// left there; `nil`, after a ``Notice/busy(imageID:holder:)``, when another process holds it.
    private func claim(_ imageID: String, purpose: String? = nil, notice: (Notice) -> Void) throws -> DirectoryLock? {
        let directory = cache.slideDirectory(imageID: imageID)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw PipelineError.badInput(file: directory.path, reason: "cannot create the directory (\(error.localizedDescription))")
        }
        let lockFile = directory.appendingPathComponent(DirectoryLock.fileName)
        let lock: DirectoryLock?
        do { lock = try DirectoryLock.tryAcquire(file: lockFile, purpose: purpose ?? "hatnet features \(imageID)") } catch let error as FileError {
            throw PipelineError.badInput(file: error.path, reason: error.problem)
        }
        guard let lock else {
            notice(.busy(imageID: imageID, holder: DirectoryLock.holder(of: lockFile)))
            return nil
        }
        AtomicFile.removeStaleTemporaryFiles(in: directory)
        return lock
    }
}
