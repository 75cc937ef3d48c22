#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Learning-rate schedules of the reference HATNet code (utilities/lr_scheduler.py, copied there from
// EdgeNets) and the linear warm-up of train_and_eval/trainer.py.
//
// The reference schedulers round their results (`round(lr, 5)` or `round(lr, 6)`), so a trainer that
// uses these values sees exactly the learning rates the authors' runs saw. Every schedule here is a
// pure value: `learningRate(epoch:)` depends only on the epoch, even for the cyclic schedule whose
// reference implementation keeps state between calls (it is replayed from epoch 0, which is how the
// reference trainer calls it, also when resuming).

/// A learning rate for every training epoch (epochs counted from 0, as in the reference trainer's
/// `for epoch in range(start_epoch, epochs): lr = lr_scheduler.step(epoch)`).
public protocol LearningRateSchedule: Sendable {
    /// The learning rate of `epoch` (0-based).
    func learningRate(epoch: Int) -> Double
}

extension LearningRateSchedule {
    /// The learning rates of epochs `0..<epochs`.
    public func learningRates(epochs: Int) -> [Double] {
        (0..<epochs).map { learningRate(epoch: $0) }
    }
}

/// Rounds like Python's `round(value, digits)` on a float: the correctly rounded decimal with
/// `digits` fraction digits (ties to even on the exact binary value), converted back to a `Double`.
///
/// `value · 10^digits` is formed exactly as a sum of two doubles (a fused multiply-add gives the
/// rounding error of the product), so halfway cases are decided on the exact product, as CPython's
/// `_Py_dg_dtoa` does; the quotient `integer / 10^digits` is then correctly rounded like `strtod`.
/// - Precondition: `0 <= digits <= 22` (powers of ten up to 10²² are exact doubles).
public func roundedLikePython(_ value: Double, digits: Int) -> Double {
    precondition((0...22).contains(digits), "roundedLikePython supports 0...22 fraction digits, got \(digits)")
    guard value.isFinite else { return value }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let product = value * scale
    if abs(product) >= 0x1p52 { return value }  // no fraction digits left to round at this scale
    let productError = (-product).addingProduct(value, scale)  // value·scale − product, exactly
    var integer = product.rounded(.toNearestOrEven)
    let distance = product - integer
    if abs(distance) == 0.5, productError != 0, (productError > 0) == (distance > 0) {
        // The rounded product is a tie, but the exact product lies beyond it: round away from `integer`.
        integer += distance > 0 ? 1 : -1
    }
    return integer / scale
}

/// `MultiStepLR`: the base rate times `decayFactor` for every milestone passed,
/// `round(base_lr · gamma^bisect_right(steps, epoch), 5)`.
public struct MultiStepSchedule: LearningRateSchedule {
    public var baseLearningRate: Double
    /// Epochs at which the rate is multiplied by ``decayFactor`` (`steps`), ascending.
    public var milestones: [Int]
    /// `gamma` (`--lr-decay`).
    public var decayFactor: Double

    public init(baseLearningRate: Double, milestones: [Int], decayFactor: Double) {
        precondition(!milestones.isEmpty, "MultiStepSchedule needs at least one milestone")
        self.baseLearningRate = baseLearningRate
        self.milestones = milestones
        self.decayFactor = decayFactor
    }

    public func learningRate(epoch: Int) -> Double {
        let passed = milestones.filter { $0 <= epoch }.count  // bisect.bisect on a sorted list
        return roundedLikePython(baseLearningRate * pow(decayFactor, Double(passed)), digits: 5)
    }
}

/// `FixedLR`: the base rate at every epoch (not rounded, as in the reference).
public struct FixedSchedule: LearningRateSchedule {
    public var baseLearningRate: Double

    public init(baseLearningRate: Double) { self.baseLearningRate = baseLearningRate }

    public func learningRate(epoch: Int) -> Double { baseLearningRate }
}

/// `CyclicLR`: cyclic learning rate with warm restarts (ESPNetv2, arXiv:1811.11431). Epoch 0 uses
/// the minimum rate; afterwards each cycle of ``cycleLength`` epochs starts at
/// `minimum · cycleLength` and decreases linearly by `minimum` per epoch (rounded to 5 digits).
/// At every milestone epoch the minimum is multiplied by ``decayFactor``.
public struct CyclicSchedule: LearningRateSchedule {
    /// `min_lr`.
    public var minimumLearningRate: Double
    /// `cycle_len` (`--cycle-len`).
    public var cycleLength: Int
    /// `steps`: epochs at which the minimum rate decays.
    public var milestones: [Int]
    /// `gamma`, in (0, 1].
    public var decayFactor: Double

    public init(minimumLearningRate: Double, cycleLength: Int, milestones: [Int], decayFactor: Double) {
        precondition(!milestones.isEmpty, "CyclicSchedule needs at least one milestone")
        precondition(decayFactor > 0 && decayFactor <= 1, "CyclicSchedule decay factor must be in (0, 1], got \(decayFactor)")
        precondition(cycleLength > 0, "CyclicSchedule cycle length must be positive, got \(cycleLength)")
        self.minimumLearningRate = minimumLearningRate
        self.cycleLength = cycleLength
        self.milestones = milestones
        self.decayFactor = decayFactor
    }

    public func learningRate(epoch: Int) -> Double {
        // Replays the reference's `CyclicLR.step` for epochs 0...epoch, with its state variables.
        var minimum = minimumLearningRate
        var warmUpInterval = 1
        var counter = 0
        var cycleCount = 0
        var milestoneIndex = 0
        var stepping = true
        var current = minimum
        for step in 0...max(epoch, 0) {
            if stepping, step > 1, step % milestones[milestoneIndex] == 0 {
                minimum *= decayFactor
                cycleCount = 0
                if milestoneIndex < milestones.count - 1 { milestoneIndex += 1 } else { stepping = false }
            }
            current = minimum
            if cycleCount < warmUpInterval {
                cycleCount += 1
                if cycleCount == warmUpInterval { warmUpInterval = 0 }
            } else {
                if counter >= cycleLength { counter = 0 }
                current = roundedLikePython(minimum * Double(cycleLength) - Double(counter) * minimum, digits: 5)
                counter += 1
                cycleCount += 1
            }
        }
        return current
    }
}

/// `LinearLR`, `CosineLR` and `PolyLR`: the base rate annealed towards 0 over `totalEpochs`
/// along a curve, rounded to 6 digits as the reference does:
/// - linear: `round(base_lr − base_lr · (epoch / max_epochs), 6)`
/// - cosine: `round(base_lr · (1 + cos(π · epoch / max_epochs)) / 2, 6)`
/// - polynomial: `round(base_lr · (1 − epoch / max_epochs)^power, 6)`, power in (0, 1) (`--power`, default 0.9)
public struct AnnealingSchedule: LearningRateSchedule {
    /// How the rate falls from the base rate to 0.
    public enum Curve: Equatable, Sendable {
        case linear
        case cosine
        case polynomial(power: Double)
    }

    public var curve: Curve
    public var baseLearningRate: Double
    public var totalEpochs: Int

    public init(curve: Curve, baseLearningRate: Double, totalEpochs: Int) {
        precondition(totalEpochs > 0, "AnnealingSchedule needs a positive number of epochs, got \(totalEpochs)")
        if case let .polynomial(power) = curve {
            precondition(power > 0 && power < 1, "polynomial schedule power must be in (0, 1), got \(power)")
        }
        self.curve = curve
        self.baseLearningRate = baseLearningRate
        self.totalEpochs = totalEpochs
    }

    public func learningRate(epoch: Int) -> Double {
        let progress = Double(epoch) / Double(totalEpochs)
        let value: Double = switch curve {
        case .linear: baseLearningRate - baseLearningRate * progress
        case .cosine: baseLearningRate * (1 + cos(Double.pi * Double(epoch) / Double(totalEpochs))) / 2
        case let .polynomial(power): baseLearningRate * pow(1 - progress, power)
        }
        return roundedLikePython(value, digits: 6)
    }
}

/// `HybirdLR` (sic): the cyclic schedule (no decay) for the first ``cyclicEpochs`` epochs, then a
/// linear decay over the remaining `totalEpochs − cyclicEpochs + 1` epochs, rounded to 6 digits.
///
/// When `clr_max` is at least the number of epochs (the default 61 with `--epochs 30`), the
/// reference never reaches its linear part, so every epoch is cyclic; the same holds here, also for
/// epochs past the end, where the reference's linear part would divide by a non-positive length.
public struct HybridSchedule: LearningRateSchedule {
    public var baseLearningRate: Double
    /// `clr_max` (`--clr-max`, default 61).
    public var cyclicEpochs: Int
    public var totalEpochs: Int
    public var cycleLength: Int

    /// - Precondition: `cycleLength > 0` and `cyclicEpochs >= 0` (the cyclic part needs a positive
    ///   cycle; a negative number of cyclic epochs has no meaning).
    public init(baseLearningRate: Double, cyclicEpochs: Int, totalEpochs: Int, cycleLength: Int) {
        precondition(cycleLength > 0, "HybridSchedule cycle length must be positive, got \(cycleLength)")
        precondition(cyclicEpochs >= 0, "HybridSchedule: --clr-max must not be negative, got \(cyclicEpochs)")
        self.baseLearningRate = baseLearningRate
        self.cyclicEpochs = cyclicEpochs
        self.totalEpochs = totalEpochs
        self.cycleLength = cycleLength
    }

    /// Epochs of the linear part, `max_epochs − clr_max + 1` (not positive when it is never reached).
    public var linearEpochs: Int { totalEpochs - cyclicEpochs + 1 }

    public func learningRate(epoch: Int) -> Double {
        let value: Double
        if epoch < cyclicEpochs || linearEpochs <= 0 {
            let cyclic = CyclicSchedule(minimumLearningRate: baseLearningRate, cycleLength: cycleLength,
                                        milestones: [cyclicEpochs], decayFactor: 1)
            value = cyclic.learningRate(epoch: epoch)
        } else {
            let linear = AnnealingSchedule(curve: .linear, baseLearningRate: baseLearningRate,
                                           totalEpochs: totalEpochs - cyclicEpochs + 1)
            value = linear.learningRate(epoch: epoch - cyclicEpochs + 1)
        }
        return roundedLikePython(value, digits: 6)
    }
}

/// The reference's `--scheduler` choices.
public enum LearningRateScheduleKind: String, CaseIterable, Sendable {
    case multistep, fixed, clr, hybrid, cosine, poly, linear
}

/// The scheduler options of the reference (`get_scheduler_opts` in utilities/lr_scheduler.py), with
/// its defaults, and `get_lr_scheduler`, which turns them into a schedule.
public struct LearningRateScheduleOptions: Sendable {
    public var kind: LearningRateScheduleKind = .hybrid
    /// `--lr`.
    public var baseLearningRate: Double
    /// `--epochs`.
    public var epochs: Int
    /// `--step-size`: one value means "every `step` epochs", several values are the milestones.
    public var stepSizes: [Int] = [51]
    /// `--lr-decay`.
    public var decayFactor: Double = 0.5
    /// `--cycle-len`.
    public var cycleLength: Int = 5
    /// `--clr-max`.
    public var cyclicEpochs: Int = 61
    /// `--power`.
    public var power: Double = 0.9

    public init(kind: LearningRateScheduleKind = .hybrid, baseLearningRate: Double, epochs: Int) {
        self.kind = kind
        self.baseLearningRate = baseLearningRate
        self.epochs = epochs
    }

    /// The milestones `get_lr_scheduler` derives: a single step size `s` becomes
    /// `[s, 2s, …]` below `ceil(epochs / s) · s`; several step sizes are used as given.
    public var milestones: [Int] {
        guard stepSizes.count == 1, let step = stepSizes.first, step > 0 else { return stepSizes }
        let multiples = (epochs + step - 1) / step
        return multiples > 1 ? (1..<multiples).map { step * $0 } : []
    }

    /// The schedule `get_lr_scheduler(opts)` builds.
    public func makeSchedule() -> any LearningRateSchedule {
        switch kind {
        case .multistep:
            return MultiStepSchedule(baseLearningRate: baseLearningRate, milestones: milestones, decayFactor: decayFactor)
        case .fixed:
            return FixedSchedule(baseLearningRate: baseLearningRate)
        case .clr:
            return CyclicSchedule(minimumLearningRate: baseLearningRate, cycleLength: cycleLength,
                                  milestones: milestones, decayFactor: decayFactor)
        case .hybrid:
            return HybridSchedule(baseLearningRate: baseLearningRate, cyclicEpochs: cyclicEpochs,
                                  totalEpochs: epochs, cycleLength: cycleLength)
        case .cosine:
            return AnnealingSchedule(curve: .cosine, baseLearningRate: baseLearningRate, totalEpochs: epochs)
        case .poly:
            return AnnealingSchedule(curve: .polynomial(power: power), baseLearningRate: baseLearningRate, totalEpochs: epochs)
        case .linear:
            return AnnealingSchedule(curve: .linear, baseLearningRate: baseLearningRate, totalEpochs: epochs)
        }
    }
}

/// The linear warm-up of the reference trainer (`Trainer.warm_up` in train_and_eval/trainer.py).
///
/// The reference rounds the requested number of iterations up to whole epochs,
/// `W = ceil(warm_up_iterations / samples_per_epoch) · samples_per_epoch`, builds
/// `np.linspace(1e-7, lr, W)` (the start is hard-coded to 1e-7; `--warm-up-min-lr` is only printed),
/// and runs iterations 0…W: iteration `i < W` uses the i-th linspace value, iteration `W` (one more
/// step, because its loop checks the bound before incrementing) uses `lr`.
public struct LinearWarmUp: Sendable {
    /// First learning rate of the ramp (1e-7 in the reference).
    public var startLearningRate: Double
    /// The learning rate the ramp ends at (`--lr`).
    public var targetLearningRate: Double
    /// `W`: the number of ramp values, already rounded up to whole epochs.
    public var rampLength: Int

    public init(startLearningRate: Double = 1e-7, targetLearningRate: Double, requestedIterations: Int, samplesPerEpoch: Int) {
        precondition(samplesPerEpoch > 0, "LinearWarmUp needs at least one sample per epoch")
        precondition(requestedIterations >= 0, "LinearWarmUp iterations must not be negative")
        self.startLearningRate = startLearningRate
        self.targetLearningRate = targetLearningRate
        self.rampLength = (requestedIterations + samplesPerEpoch - 1) / samplesPerEpoch * samplesPerEpoch
    }

    /// Number of optimizer iterations the warm-up runs (`W + 1`, as in the reference loop).
    public var iterationCount: Int { rampLength + 1 }

    /// The learning rate of warm-up iteration `iteration` (0-based): `np.linspace(start, target, W)`
    /// — `start + i · (target − start) / (W − 1)`, its last value exactly `target` — and `target`
    /// from iteration `W` on.
    public func learningRate(iteration: Int) -> Double {
        guard iteration < rampLength else { return targetLearningRate }
        if iteration == rampLength - 1 { return rampLength == 1 ? startLearningRate : targetLearningRate }
        let step = (targetLearningRate - startLearningRate) / Double(rampLength - 1)
        return Double(iteration) * step + startLearningRate
    }
}
