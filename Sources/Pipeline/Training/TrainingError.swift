/// Why a training, evaluation or averaging run cannot proceed; each case names the file or option.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    /// A run directory (or a file in it) that cannot be used.
    case badRunDirectory(path: String, reason: String)
    /// The features do not fit the options (width, grid size).
    case incompatibleFeatures(path: String, reason: String)
    /// The loss of a batch is NaN or infinite. `stage` says where (`epoch 3, batch 7 of 12`,
    /// `warm-up iteration 5`, `validation after epoch 3`), `imageIDs` are the batch's slides.
    case nonFiniteLoss(stage: String, imageIDs: [String], value: Double)
    /// A model about to be written holds NaN or infinity (the file is not written).
    case nonFiniteParameters(file: String, parameter: String, index: [Int], value: Float)

    public var description: String {
        switch self {
        case let .invalidOption(message): return message
        case let .badRunDirectory(path, reason): return "\(path): \(reason)"
        case let .incompatibleFeatures(path, reason): return "\(path): \(reason)"
        case let .nonFiniteLoss(stage, imageIDs, value):
            let slides = imageIDs.prefix(10).joined(separator: ", ") + (imageIDs.count > 10 ? ", …" : "")
            return "the loss is \(value) at \(stage) (slide\(imageIDs.count == 1 ? "" : "s") \(slides)); training stopped "
                + "without writing this epoch's models. Lower --lr, or check these slides' features"
        case let .nonFiniteParameters(file, parameter, index, value):
            return "\(file): not written, parameter '\(parameter)' holds \(value) at index \(index); "
                + "training diverged (lower --lr)"
        }
    }
}
