import Foundation

/// What a running ``DemoRun`` reports, for a progress display on stderr.
public enum DemoProgress: Sendable {
    /// A stage begins.
    case started(DemoStage)
    /// A step of a long stage is done: `done` of `total` items, with the elapsed time of the stage
    /// and an estimate of the time left (from the mean time per item so far).
    case step(DemoStage, done: Int, total: Int, item: String, elapsedSeconds: Double, remainingSeconds: Double?)
    /// A line worth keeping (e.g. an epoch's accuracy or where the weights are).
    case note(DemoStage, String)
    /// A stage ended after `seconds`.
    case finished(DemoStage, seconds: Double)
}
