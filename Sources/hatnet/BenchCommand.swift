import ArgumentParser
import Benchmarks

/// `hatnet bench …`: speed measurements that print figures (recorded in BENCHMARKS.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed of a pipeline stage (build with -c release for real figures).",
        subcommands: [GemmBench.self, AttentionBench.self])
}

struct GemmBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of sgemm through Tensor.matmul and through raw cblas_sgemm.")

    @Option(help: "Matrix sizes n (each run multiplies two n×n matrices).")
    var sizes: [Int] = [1024, 2048]

    @Option(help: "Timed repetitions per size (best time is reported).")
    var repetitions: Int = 5

    func validate() throws {
        guard sizes.allSatisfy({ $0 > 0 && $0 <= 16384 }) else { throw ValidationError("--sizes must be between 1 and 16384") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        for size in sizes {
            print(GemmBenchmark.run(size: size, repetitions: repetitions).line)
        }
    }
}

struct AttentionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Seconds per training step and per inference of the HATNet attention network (49×49 words, F 1280).")

    @Option(help: "Timed repetitions (the median is reported).")
    var repetitions: Int = 5

    func validate() throws {
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    func run() throws {
        AttentionBenchmark.run(repetitions: repetitions).lines.forEach { print($0) }
    }
}
