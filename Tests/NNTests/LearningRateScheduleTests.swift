import Foundation
import Testing
@testable import NN

/// The reference schedulers (utilities/lr_scheduler.py) against
/// Tests/Fixtures/reference/schedules_e100_lr1e-4.json: every epoch's value must be bit-identical,
/// because the reference rounds (`round(lr, 5)` / `round(lr, 6)`) and we reproduce Python's rounding.
@Suite struct LearningRateScheduleTests {
    struct ScheduleFixture: Decodable {
        let base_lr: Double
        let epochs: Int
        let lr_per_epoch: [String: [Double]]
    }

    static func loadFixture() throws -> ScheduleFixture {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference/schedules_e100_lr1e-4.json")
        return try JSONDecoder().decode(ScheduleFixture.self, from: Data(contentsOf: url))
    }

    /// The fixture's keys name the options of each run.
    static func options(forFixtureKey key: String, baseLearningRate: Double, epochs: Int) -> LearningRateScheduleOptions? {
        var options = LearningRateScheduleOptions(baseLearningRate: baseLearningRate, epochs: epochs)
        switch key {
        case "cosine": options.kind = .cosine
        case "fixed": options.kind = .fixed
        case "linear": options.kind = .linear
        case "poly_power0.9": options.kind = .poly; options.power = 0.9
        case "multistep_step51_decay0.5": options.kind = .multistep; options.stepSizes = [51]; options.decayFactor = 0.5
        case "cyclic_len5_steps51": options.kind = .clr; options.cycleLength = 5; options.stepSizes = [51]; options.decayFactor = 0.5
        case "hybrid_clrmax61_len5": options.kind = .hybrid; options.cyclicEpochs = 61; options.cycleLength = 5
        default: return nil
        }
        return options
    }

    @Test func everyReferenceScheduleMatchesTheFixtureExactly() throws {
        let fixture = try Self.loadFixture()
        #expect(fixture.lr_per_epoch.count == 7)
        for (key, expected) in fixture.lr_per_epoch.sorted(by: { $0.key < $1.key }) {
            let options = try #require(Self.options(forFixtureKey: key, baseLearningRate: fixture.base_lr, epochs: fixture.epochs),
                                       "unknown fixture schedule \(key)")
            let actual = options.makeSchedule().learningRates(epochs: fixture.epochs)
            #expect(actual.count == expected.count)
            let mismatches = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }
            #expect(mismatches.isEmpty, "\(key): \(mismatches.count) epochs differ, first at epoch \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
        }
    }

    @Test func milestonesFollowGetLRScheduler() {
        var options = LearningRateScheduleOptions(kind: .multistep, baseLearningRate: 0.1, epochs: 100)
        options.stepSizes = [30]
        #expect(options.milestones == [30, 60, 90])
        options.stepSizes = [51]
        #expect(options.milestones == [51])
        options.stepSizes = [10, 20]
        #expect(options.milestones == [10, 20])
    }

    @Test func pythonRoundingDecidesTiesOnTheExactBinaryValue() {
        // Python: round(2.675, 2) == 2.67 (the double is below 2.675); round(0.125, 2) == 0.12 (exact tie, even).
        #expect(roundedLikePython(2.675, digits: 2) == 2.67)
        #expect(roundedLikePython(0.125, digits: 2) == 0.12)
        #expect(roundedLikePython(0.375, digits: 2) == 0.38)
        #expect(roundedLikePython(-0.375, digits: 2) == -0.38)
        #expect(roundedLikePython(9.75e-05, digits: 6) == 9.7e-05)  // hybrid epoch 61 in the fixture
        #expect(roundedLikePython(1e-4 * 0.5, digits: 5) == 5e-05)
        #expect(roundedLikePython(.infinity, digits: 3) == .infinity)
    }

    @Test func linearWarmUpRampsLikeTheReferenceTrainer() {
        // 600 requested iterations with 250 samples per epoch → W = 750 ramp values, 751 iterations.
        let warmUp = LinearWarmUp(targetLearningRate: 1e-4, requestedIterations: 600, samplesPerEpoch: 250)
        #expect(warmUp.rampLength == 750)
        #expect(warmUp.iterationCount == 751)
        #expect(warmUp.learningRate(iteration: 0) == 1e-7)
        #expect(warmUp.learningRate(iteration: 749) == 1e-4)
        #expect(warmUp.learningRate(iteration: 750) == 1e-4)
        let step = (1e-4 - 1e-7) / 749
        #expect(warmUp.learningRate(iteration: 100) == 100 * step + 1e-7)
        let rates = (0..<750).map { warmUp.learningRate(iteration: $0) }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 < $1 })
        let single = LinearWarmUp(targetLearningRate: 1e-3, requestedIterations: 1, samplesPerEpoch: 1)
        #expect(single.learningRate(iteration: 0) == 1e-7)
        #expect(single.learningRate(iteration: 1) == 1e-3)
    }

    @Test func cyclicScheduleIsAPureFunctionOfTheEpoch() {
        let schedule = CyclicSchedule(minimumLearningRate: 1e-4, cycleLength: 5, milestones: [51], decayFactor: 0.5)
        let forward = schedule.learningRates(epochs: 60)
        let backward = (0..<60).reversed().map { schedule.learningRate(epoch: $0) }.reversed()
        #expect(forward == Array(backward))
    }
}
