import Cohort
import Foundation
import Testing

@Suite struct ShardTests {
    @Test func parsesOneBasedShards() throws {
        #expect(try Shard(parsing: "1/3") == Shard(index: 0, count: 3))
        #expect(try Shard(parsing: "3/3") == Shard(index: 2, count: 3))
        for bad in ["0/3", "4/3", "1/0", "x", "1/", "/3", "-1/3", "1/3/4", "١/٣", "1 /3", "99999999999999999999/1"] {
            #expect(throws: CohortError.self, "\(bad)") { try Shard(parsing: bad) }
        }
    }

    @Test func ordersOwnSlidesFirstThenTheRest() {
        let items = Array(0..<7)
        #expect(Shard(index: 0, count: 3).order(items) == [0, 3, 6, 1, 4, 2, 5])
        #expect(Shard(index: 2, count: 3).order(items) == [2, 5, 0, 3, 6, 1, 4])
        for index in 0..<3 { #expect(Shard(index: index, count: 3).order(items).sorted() == items) }
    }

    @Test func readsTheSlurmArrayEnvironment() throws {
        #expect(try Shard.fromEnvironment([:]) == nil)
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"]) == Shard(index: 2, count: 3))
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "4"])
                == Shard(index: 1, count: 3))
        #expect(throws: CohortError.self) { try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "3"]) }
        #expect(throws: CohortError.self) { try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "1"]) }
    }
}

@Suite struct SlurmSettingsTests {
    @Test func acceptsWhatSbatchAccepts() throws {
        for time in ["30", "30:00", "2:00:00", "1-12", "1-12:30", "1-12:30:00", "INFINITE"] {
            try SlurmJobSettings(arrayTasks: 3, time: time).validate()
        }
        for memory in ["8G", "512M", "1024", "2t"] { try SlurmJobSettings(arrayTasks: 3, memory: memory).validate() }
        try SlurmJobSettings(arrayTasks: 1, partition: "gpu-long.a,cpu", cpusPerTask: 2, setupLines: ["module load swift"],
                             extraOptions: ["--account=lab"]).validate()
    }

    @Test func refusesHostileValues() {
        let cases: [SlurmJobSettings] = [
            SlurmJobSettings(arrayTasks: 0), SlurmJobSettings(arrayTasks: -1), SlurmJobSettings(arrayTasks: 10_000_000),
            SlurmJobSettings(arrayTasks: 1, partition: "a;rm -rf /"), SlurmJobSettings(arrayTasks: 1, partition: ""),
            SlurmJobSettings(arrayTasks: 1, partition: "--wrap=x"),
            SlurmJobSettings(arrayTasks: 1, time: "25:99:99"), SlurmJobSettings(arrayTasks: 1, time: "1-25"),
            SlurmJobSettings(arrayTasks: 1, time: "0"), SlurmJobSettings(arrayTasks: 1, time: "1h"), SlurmJobSettings(arrayTasks: 1, time: ""),
            SlurmJobSettings(arrayTasks: 1, memory: "-5G"), SlurmJobSettings(arrayTasks: 1, memory: "0"), SlurmJobSettings(arrayTasks: 1, memory: "8GB"),
            SlurmJobSettings(arrayTasks: 1, memory: "1e9"), SlurmJobSettings(arrayTasks: 1, cpusPerTask: 0),
            SlurmJobSettings(arrayTasks: 1, setupLines: ["a\nb"]), SlurmJobSettings(arrayTasks: 1, extraOptions: ["--array=0-99"]),
            SlurmJobSettings(arrayTasks: 1, extraOptions: ["account=lab"]), SlurmJobSettings(arrayTasks: 1, extraOptions: ["--a\n#SBATCH --b"]),
            SlurmJobSettings(arrayTasks: 1, jobName: "a b"),
        ]
        for settings in cases {
            #expect(throws: CohortError.self, "\(settings)") { try settings.validate() }
        }
    }

    @Test func scriptQuotesTheCommandAndSetsTheArray() {
        let script = SbatchScript(settings: SlurmJobSettings(arrayTasks: 4, partition: "short", time: "1:00:00", memory: "4G", cpusPerTask: 2,
                                                             setupLines: ["module load swift/6.3"], extraOptions: ["--account=lab"]),
                                  command: ["/opt/hatnet", "features", "it's.txt", "--img-dir", "a b"],
                                  workingDirectory: URL(fileURLWithPath: "/data/run"), logDirectory: URL(fileURLWithPath: "/data/run/logs"),
                                  summary: "test")
        let text = script.text
        for line in ["#!/bin/bash", "#SBATCH --array=0-3", "#SBATCH --partition=short", "#SBATCH --time=1:00:00", "#SBATCH --mem=4G",
                     "#SBATCH --cpus-per-task=2", "#SBATCH --account=lab", "#SBATCH --output=/data/run/logs/%A_%a.out",
                     "#SBATCH --chdir=/data/run", "module load swift/6.3"] {
            #expect(text.contains(line + "\n"), "missing \(line) in\n\(text)")
        }
        #expect(text.contains("exec /opt/hatnet \\\n    features \\\n    'it'\\''s.txt' \\\n    --img-dir \\\n    'a b'\n"), "\(text)")
    }
}
