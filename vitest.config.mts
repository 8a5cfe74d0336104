import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that run longest on their own, longest first: started first, so that the two
 * workers finish together instead of one of them starting a long file last. The rest in
 * vitest's order (by their last duration, or by size on a fresh clone, which puts the
 * short readme.test.ts last although it runs the quick start, a minute of processes).
 */
const LONGEST = ['validation-catalogue', 'postgres-sync', 'history', 'readme', 'postgres-ownership', 'hardening'];

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
    // Builds dist/cli.js when it is older than src/: the tests that spawn the CLI run the bin.
    globalSetup: ['test/build-bin.ts'],
    // A worker's files share its modules (src/ is imported and compiled once per worker, not
    // once per file: a second saved a file); each test file removes its own temp folders.
    isolate: false,
    setupFiles: ['test/setup.ts'],
    // One DuckDB thread per command: two test files run at once on two cores, and a DuckDB
    // taking both cores in each oversubscribes them (validation-catalogue + history: 78 s
    // with DuckDB's default, 59 s with one thread). The README test runs without it, and the
    // determinism tests run their second pass with --threads 4: byte-identical across both.
    env: { STREAMFLOW_THREADS: '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two files at a time: much of a file's time is spent waiting (processes starting,
    // PostgreSQL, a browser), which the other file fills.
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
  },
});
