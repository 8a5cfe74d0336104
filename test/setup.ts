// Vitest setup file, run before each test file in its worker: the temp folders the file made
// (tempDir) are removed after its last test.
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers';

afterAll(removeTempDirs);
