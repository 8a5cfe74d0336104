// The churn project's contract (streamflow.yaml and contracts/churn.odcs.yaml at the
// repository root), for the tests, the bench and the seed generator, which are about
// that dataset: loaded as the command line loads it.
import * as path from 'node:path';
import { loadProject } from '../src/contract/project';

export const CHURN_PROJECT_FILE = path.join(__dirname, '..', 'streamflow.yaml');

export const CHURN = loadProject(CHURN_PROJECT_FILE).contract;
