// The package's export: the typed library API (api/index.ts) and the errors its calls throw,
// each carrying the exit code the command line would exit with.
export {
  type OpenOptions,
  openWarehouse,
  type ReadOptions,
  type RunFilter,
  type SnapshotFilter,
  type TrainingSet,
  type TrainingSetOptions,
  type TrainingSummary,
  Warehouse,
} from './api';
export { DataRejectedError, EmptyResultError, InvocationError, RefusedError, StreamflowError, WarehouseHeldError } from './errors';
