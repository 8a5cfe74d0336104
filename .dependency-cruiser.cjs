// The layer rule of src/ (README, "Layout"): each layer imports only the layers listed
// before it, never one after it, and nothing imports in a circle. The order is the
// pipeline's: the contract first, the stages in the order a run calls them, the
// consumers of what the stages froze, then the flow that strings them together and the
// command line on top.
const LAYERS = [
  { name: 'base', path: '^src/(errors|faults|package-root|format)\\.ts$' },
  { name: 'contract', path: '^src/contract/' },
  // The shapes written for other tools carry expectation configs, so they sit over the contract.
  { name: 'artifacts', path: '^src/artifacts\\.ts$' },
  { name: 'config', path: '^src/config\\.ts$' },
  { name: 'engine', path: '^src/engine/' },
  { name: 'warehouse', path: '^src/warehouse/' },
  // The one output writer (query, training-set, the library): its files go through warehouse/output.ts.
  { name: 'output', path: '^src/output/' },
  { name: 'load', path: '^src/load/' },
  { name: 'validate', path: '^src/validate/' },
  { name: 'upsert', path: '^src/upsert/' },
  { name: 'snapshot', path: '^src/snapshot/' },
  { name: 'record', path: '^src/record/' },
  { name: 'sync', path: '^src/sync/' },
  { name: 'query', path: '^src/query/' },
  { name: 'training', path: '^src/training/' },
  // Online features: the training set's join, answered over HTTP.
  { name: 'serve', path: '^src/serve/' },
  { name: 'report', path: '^src/report/' },
  { name: 'flow', path: '^src/flow/' },
  // The library API (the package's export, src/index.ts): the read-only operations for code, which the command line calls too.
  { name: 'api', path: '^src/(api/|index\\.ts$)' },
  { name: 'cli', path: '^src/cli(\\.ts$|/)' },
];

const upwardImports = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `${layer.name}-imports-only-downwards`,
  comment: `${layer.name} may import only ${LAYERS.slice(0, index).map((below) => below.name).join(', ') || 'node and npm modules'}`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(index + 1).map((above) => above.path) },
}));

module.exports = {
  forbidden: [
    ...upwardImports,
    {
      name: 'no-circular',
      comment: 'a cycle hides which module owns an idea',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'every-src-file-in-a-layer',
      comment: 'a file outside every layer escapes the rule: add it to LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((layer) => layer.path) },
      to: {},
    },
    {
      name: 'only-the-engine-speaks-to-duckdb',
      comment: 'the DuckDB driver stays behind src/engine (as Kysely keeps drivers behind its dialects)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/engine/' },
      to: { path: 'node_modules/@duckdb/' },
    },
    {
      name: 'src-never-imports-tools-or-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
