import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Every test file, longest first (seconds each took in a local run of the suite, two at a time,
 * on a machine busy with other work; the PostgreSQL files from the last CI run):
 * started in this order, so that the two workers finish together instead of one of them
 * starting a long file last. vitest orders by the durations of its last run, which a fresh
 * clone does not have: by file size there, the CI run took 222 s where the same files took
 * 202 s in a checkout that had them. A file missing here runs after these, in vitest's order.
 */
const LONGEST = [
  'history', // 95
  'validation-catalogue', // 94
  'readme', // 73
  'second-project', // 68
  'postgres-sync', // 68
  'hardening', // 52
  'orchestration', // 46
  'postgres-ownership', // 45
  'errors', // 44
  'corrections', // 44
  'output-shapes', // 42
  'project-commands', // 40
  'report', // 31
  'postgres-versions', // 29
  'serve', // 27
  'cli-outputs', // 22
  'training-set', // 20
  'homogeneity', // 14
  'report-charts', // 13
  'outputs', // 12
  'readers-never-block', // 9
  'stages', // 9
  'progress', // 8
  'identity', // 7
  'pipeline-real', // 6
  'contract-evolution', // 6
  'invocation', // 5
  'known-at', // 5
  'project-cache', // 4
  'library-api', // 3
  'readme-notebook', // 2
  'expectation-registry', // 1
  'seeds', // 1
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = LONGEST.findIndex((name) => file.moduleId.endsWith(`/test/${name}.test.ts`));
      return index < 0 ? LONGEST.length : index;
    };
    // A stable sort: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/cli.js when it is older than src/ (the tests that spawn the CLI run the bin),
    // then the real months' warehouses that many files start from (test/real-warehouses.ts).
    globalSetup: ['test/build-bin.ts', 'test/real-warehouses.ts'],
    // A worker's files share its modules (src/ is imported and compiled once per worker, not
    // once per file: a second saved a file); each test file removes its own temp folders.
    isolate: false,
    setupFiles: ['test/setup.ts'],
    // One DuckDB thread per command: two test files run at once on two cores, and a DuckDB
    // taking both cores in each oversubscribes them (validation-catalogue + history: 78 s
    // with DuckDB's default, 59 s with one thread). The README test runs without it, and the
    // determinism tests run their second pass with --threads 4: byte-identical across both.
    // The bin's compiled-project cache in a folder of the run's own, not the user's ~/.cache.
    env: { STREAMFLOW_THREADS: '1', STREAMFLOW_CACHE_DIR: path.join(os.tmpdir(), `streamflow-test-cache-${process.pid}`) },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two files at a time: much of a file's time is spent waiting (processes starting,
    // PostgreSQL, a browser), which the other file fills.
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
  },
});
