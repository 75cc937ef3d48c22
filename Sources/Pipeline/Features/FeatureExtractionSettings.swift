import Slides

/// The settings of `hatnet features` that change a cached file's content besides the encoder, its
/// weights, the scale and the view: how the grid is cut (pyramid level, aspect ratio, tissue
/// detection), how the words are normalised, and for augmented views the transform and its seed.
///
/// Every cached file records them in its safetensors metadata (``metadata(view:)``), and a file is
/// reused only when they equal the requested ones (``differences(fromMetadata:view:)``), so
/// `features --no-tissue` after `--tissue`, or `--seed 2` after `--seed 1`, recomputes instead of
/// reusing features made otherwise.
public struct FeatureExtractionSettings: Equatable, Sendable {
    /// How the word grid is cut from the slide.
    public var grid: WordGridOptions
    /// Seed of the augmented views (views 1…).
    public var seed: UInt64
    /// The augmentation of views 1….
    public var transform: RandomTransform

    /// The word normalisation of ``ImageNetNormalization`` (recorded so a change of it is noticed).
    public static var normalisation: String {
        "imagenet mean " + ImageNetNormalization.mean.map { "\($0)" }.joined(separator: ",")
            + " std " + ImageNetNormalization.standardDeviation.map { "\($0)" }.joined(separator: ",")
    }

    public init(grid: WordGridOptions, seed: UInt64, transform: RandomTransform = RandomTransform()) {
        self.grid = grid
        self.seed = seed
        self.transform = transform
    }

    /// One recorded setting: its metadata key, what to call it in a message, and its value.
    public struct Entry: Equatable, Sendable {
        public let key: String
        public let label: String
        public let value: String
    }

    /// The settings that apply to `view`, as metadata entries. View 0 is the untransformed slide,
    /// so its seed and transform are recorded as `none` (changing them does not change it).
    public func entries(view: Int) -> [Entry] {
        let level: String = switch grid.level {
        case .automatic: "automatic"
        case let .level(number): "level \(number)"
        case let .micronsPerPixel(microns): "mpp \(microns)"
        }
        let augmented = view > 0
        return [
            Entry(key: "level", label: "pyramid level (--level/--mpp)", value: level),
            Entry(key: "keep_aspect", label: "aspect ratio (--keep-aspect)", value: grid.keepAspect ? "kept" : "stretched"),
            Entry(key: "tissue", label: "tissue detection (--tissue/--no-tissue)", value: grid.detectTissue ? "on" : "off"),
            Entry(key: "min_tissue_fraction", label: "minimum tissue fraction",
                  value: grid.detectTissue ? "\(grid.minimumTissueFraction)" : "none"),
            Entry(key: "normalisation", label: "word normalisation", value: Self.normalisation),
            Entry(key: "augmentation_seed", label: "augmentation seed (--seed)", value: augmented ? "\(seed)" : "none"),
            Entry(key: "transform", label: "augmentation transform",
                  value: augmented ? "flip, rotation ±\(transform.maxRotation)°, crop" : "none"),
        ]
    }

    /// ``entries(view:)`` as a metadata dictionary.
    public func metadata(view: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: entries(view: view).map { ($0.key, $0.value) })
    }

    /// The settings of `view` that `metadata` (a cached file's) records differently, each as a
    /// phrase such as `tissue detection (--tissue/--no-tissue) off in the file, on now`; empty
    /// when the file was made with these settings.
    public func differences(fromMetadata metadata: [String: String], view: Int) -> [String] {
        entries(view: view).compactMap { entry in
            let recorded = metadata[entry.key]
            guard recorded != entry.value else { return nil }
            return "\(entry.label) \(recorded ?? "not recorded") in the file, \(entry.value) now"
        }
    }

    /// The grid settings (those that apply to every view) on which two files' metadata disagree,
    /// and, when both are augmented views, the augmentation settings too; each as a phrase
    /// `tissue detection … on in A, off in B`.
    static func disagreements(_ first: [String: String], view firstView: Int, firstName: String,
                              _ second: [String: String], view secondView: Int, secondName: String) -> [String] {
        let keys = ["level", "keep_aspect", "tissue", "min_tissue_fraction", "normalisation"]
            + (firstView > 0 && secondView > 0 ? ["augmentation_seed", "transform"] : [])
        let labels = Dictionary(uniqueKeysWithValues: FeatureExtractionSettings(grid: WordGridOptions(), seed: 0)
            .entries(view: 1).map { ($0.key, $0.label) })
        return keys.compactMap { key in
            guard first[key] != second[key] else { return nil }
            return "\(labels[key] ?? key) \(first[key] ?? "not recorded") in \(firstName), \(second[key] ?? "not recorded") in \(secondName)"
        }
    }
}
