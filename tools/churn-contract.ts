// The churn project's contract (streamflow.yaml and contracts/churn.odcs.yaml at the
// repository root), for the tests, the bench and the seed generator, which are about
// that dataset: loaded once, as the CLI loads it.
import { LEGACY_CONTRACT } from '../src/contract/legacy';

export const CHURN = LEGACY_CONTRACT;
