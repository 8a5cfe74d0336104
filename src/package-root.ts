// Where the package's own files (sql/, package.json) are: one level up from both src/
// and dist/, whichever is running.
import * as path from 'node:path';

export const PACKAGE_ROOT = path.resolve(__dirname, '..');
