import Foundation
import FileOutput

/// One epoch's figures, as the reference logs them to TensorBoard (`LR`, `TrainingLoss`,
/// `TrainingAcc`, `ValidationLoss`, `ValidationAcc`), plus the best accuracy so far and the time.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var learningRate: Double
    public var trainingLoss: Double
    /// Top-1 accuracy in percent.
    public var trainingAccuracy: Double
    public var validationLoss: Double
    public var validationAccuracy: Double
    public var bestValidationAccuracy: Double
    /// Seconds of the training pass (forward, backward, optimizer) of this epoch.
    public var trainingSeconds: Double
    /// Seconds of the whole epoch: training, validation and checkpoints.
    public var seconds: Double

    public init(epoch: Int, learningRate: Double, trainingLoss: Double, trainingAccuracy: Double, validationLoss: Double,
                validationAccuracy: Double, bestValidationAccuracy: Double, trainingSeconds: Double, seconds: Double) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.trainingLoss = trainingLoss
        self.trainingAccuracy = trainingAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.bestValidationAccuracy = bestValidationAccuracy
        self.trainingSeconds = trainingSeconds
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epoch, learningRate = "lr", trainingLoss = "train_loss", trainingAccuracy = "train_acc"
        case validationLoss = "val_loss", validationAccuracy = "val_acc", bestValidationAccuracy = "best_val_acc"
        case trainingSeconds = "train_seconds", seconds
    }
}

/// The per-epoch log of a run, kept as `training_log.jsonl` (one JSON object per line) and
/// `training_log.csv` (same columns), both rewritten atomically after every epoch; and the
/// validation-accuracy file the reference writes (`val_stats_…json`, `{"<epoch>": accuracy}`),
/// which `hatnet average` reads.
public struct TrainingLog {
    public let jsonLinesURL: URL
    public let csvURL: URL
    public let validationStatsURL: URL
    public private(set) var records: [EpochRecord]

    /// Opens the log of `run`, reading earlier records (a resumed run) up to epoch `lastEpoch`;
    /// later ones belong to an epoch that did not finish and are dropped.
    public init(run: RunDirectory, validationStatsFileName: String, keepingRecordsThrough lastEpoch: Int) throws {
        jsonLinesURL = run.url.appendingPathComponent("training_log.jsonl")
        csvURL = run.url.appendingPathComponent("training_log.csv")
        validationStatsURL = run.url.appendingPathComponent(validationStatsFileName)
        records = []
        guard lastEpoch >= 0, let text = try? String(contentsOf: jsonLinesURL, encoding: .utf8) else { return }
        for (number, line) in text.split(separator: "\n").enumerated() {
            do {
                let record = try JSONDecoder().decode(EpochRecord.self, from: Data(line.utf8))
                if record.epoch <= lastEpoch { records.append(record) }
            } catch {
                throw TrainingError.badRunDirectory(path: jsonLinesURL.path, reason: "line \(number + 1) is not an epoch record (\(error))")
            }
        }
    }

    /// Validation accuracy per epoch (`{"0": 62.5, "1": 75.0}`), as `hatnet average` reads it.
    public var validationAccuracyByEpoch: [Int: Double] {
        Dictionary(records.map { ($0.epoch, $0.validationAccuracy) }, uniquingKeysWith: { $1 })
    }

    /// Adds (or replaces) an epoch's record and rewrites the three files.
    public mutating func append(_ record: EpochRecord) throws {
        records.removeAll { $0.epoch == record.epoch }
        records.append(record)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: jsonLinesURL)
        let header = EpochRecord.CodingKeys.allCases.map(\.rawValue).joined(separator: ",")
        let rows = records.map { record in
            [String(record.epoch), "\(record.learningRate)", "\(record.trainingLoss)", "\(record.trainingAccuracy)",
             "\(record.validationLoss)", "\(record.validationAccuracy)", "\(record.bestValidationAccuracy)",
             String(format: "%.3f", record.trainingSeconds), String(format: "%.3f", record.seconds)].joined(separator: ",")
        }
        try AtomicFile.write(([header] + rows).joined(separator: "\n") + "\n", to: csvURL)
        let stats = Dictionary(uniqueKeysWithValues: validationAccuracyByEpoch.map { (String($0.key), $0.value) })
        let data = try JSONSerialization.data(withJSONObject: stats, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(String(decoding: data, as: UTF8.self) + "\n", to: validationStatsURL)
    }
}
