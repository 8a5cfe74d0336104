// Vitest setup file, run before each test file in its worker (whose files share the helpers
// module: vitest's isolate: false): each file reports its own missing prerequisites, and the
// temp folders the file made (tempDir) are removed after its last test.
import { afterAll } from 'vitest';
import { forgetReportedPrerequisites, removeTempDirs } from './helpers';

forgetReportedPrerequisites();
afterAll(removeTempDirs);
