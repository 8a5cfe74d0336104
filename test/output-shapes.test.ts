// Output shapes pinned (issue 26), as dbt keeps its artifact schemas: every machine-readable
// output — each `--json` object, the `{schema_version, error}` object, validation.json and
// every partition's _manifest.json — produced for real on the real exports and validated
// against the JSON Schema of its current version in schemas/ (ajv, draft 2020-12). A
// released schema file never changes (schemas/versions.json records its sha256), and every
// version constant of src/artifacts.ts has its files: so a change of shape fails here until
// it gets a new schema file and a bumped constant.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as artifacts from '../src/artifacts';
import { PARTITION_MANIFEST } from '../src/warehouse/layout';
import { CHURN } from '../tools/churn-contract';
import { type CliResult, cli, copyMonths, query, REAL, REAL_EXPORTS, REPO, requirePrerequisite, tempDir } from './helpers';
import { createTestDatabase, POSTGRES, TEST_PG_URL, withClient } from './postgres';

const SCHEMAS = path.join(REPO, 'schemas');
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

interface VersionsFile {
  readonly outputs: Record<string, { readonly constant: string; readonly versions: Record<string, string> }>;
  readonly not_json_outputs: Record<string, string>;
}

const registry = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'versions.json'), 'utf8')) as VersionsFile;
type Output = keyof typeof registry.outputs & string;

/** Every schema file under schemas/, as `<output>/<version>.json`. */
function schemaFiles(): string[] {
  return fs
    .readdirSync(SCHEMAS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(SCHEMAS, dir.name))
        .filter((name) => name.endsWith('.json'))
        .map((name) => `${dir.name}/${name}`),
    )
    .sort();
}

const schemaId = (output: string, version: string) => `urn:streamflow:schema:${output}:${version}`;

/** The version an output is stamped with now: its constant in src/artifacts.ts. */
function currentVersion(output: Output): string {
  const constant = registry.outputs[output]?.constant;
  if (constant === undefined) throw new Error(`no output ${output} in schemas/versions.json`);
  return String((artifacts as Record<string, unknown>)[constant]);
}

// Strict mode: an unknown keyword, a union type without allowUnionTypes or an ignored keyword is an error in the schema itself.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
/** Why a schema file could not be registered under its own $id (reported by the test on naming, not at import). */
const loadProblems: string[] = [];
for (const file of schemaFiles()) {
  try {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'));
    const [output, name] = file.split('/');
    const id = schemaId(output, name.replace(/\.json$/, ''));
    if (schema.$id !== id) loadProblems.push(`schemas/${file}: $id ${JSON.stringify(schema.$id)}, expected ${id}`);
    else ajv.addSchema(schema);
  } catch (error) {
    loadProblems.push(`schemas/${file}: ${(error as Error).message}`);
  }
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `  ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`).join('\n');
}

/** Null when `value` fits the schema of `output` at `version` (default: the current one), else ajv's error list. */
function shapeErrors(output: Output, value: unknown, version: string = currentVersion(output)): string | null {
  const validate = ajv.getSchema(schemaId(output, version));
  if (!validate) throw new Error(`no schema file schemas/${output}/${version}.json (${registry.outputs[output].constant} = ${version})`);
  return validate(value) ? null : describeErrors(validate.errors);
}

/** Fails with ajv's error list when `value` does not fit. */
function expectShape(output: Output, value: unknown, version?: string): void {
  const errors = shapeErrors(output, value, version);
  if (errors !== null) {
    throw new Error(
      `${output} ${version ?? currentVersion(output)} (schemas/${output}/${version ?? currentVersion(output)}.json) rejects the output:\n${errors}\n` +
        `output: ${JSON.stringify(value).slice(0, 2000)}\n` +
        'A shape that changed on purpose is a new version: add the next schema file, bump the constant in src/artifacts.ts, record it in schemas/versions.json.',
    );
  }
}

/** The `--json` object of a run, which must exit with `code`. */
function jsonOf(result: CliResult, code: number): any {
  expect(result.code, result.stderr).toBe(code);
  expect(result.json, `stdout is not one JSON object: ${result.stdout}`).toBeTypeOf('object');
  return result.json;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('the schema files', () => {
  it('every version constant of src/artifacts.ts names a schema file of each output it stamps', () => {
    for (const output of Object.keys(registry.outputs)) {
      const version = currentVersion(output);
      const { constant } = registry.outputs[output];
      expect(version, `${constant} is not exported by src/artifacts.ts`).not.toBe('undefined');
      expect(fs.existsSync(path.join(SCHEMAS, output, `${version}.json`)), `${constant} is ${version}: no schemas/${output}/${version}.json`).toBe(true);
      expect(registry.outputs[output].versions[version], `schemas/${output}/${version}.json is not recorded in schemas/versions.json`).toBeDefined();
    }
  });

  it('every *_VERSION constant stamps some output (or is named as no JSON output)', () => {
    const claimed = new Set([...Object.values(registry.outputs).map(({ constant }) => constant), ...Object.keys(registry.not_json_outputs)]);
    const constants = Object.keys(artifacts).filter((name) => name.endsWith('_VERSION'));
    expect(constants.length).toBeGreaterThan(0);
    for (const constant of constants) expect(claimed.has(constant), `${constant} has no output in schemas/versions.json: give it schema files`).toBe(true);
  });

  it('a released schema file never changes: each one hashes to what schemas/versions.json recorded', () => {
    const files = schemaFiles();
    for (const file of files) {
      const [output, name] = file.split('/');
      const version = name.replace(/\.json$/, '');
      const entry = registry.outputs[output];
      const actual = sha256(path.join(SCHEMAS, file));
      expect(entry, `schemas/${output}/ is no output of schemas/versions.json`).toBeDefined();
      const recorded = entry.versions[version];
      expect(
        recorded,
        `schemas/${file} is not recorded: add "${version}": "${actual}" to outputs["${output}"].versions in schemas/versions.json`,
      ).toBeDefined();
      expect(
        actual,
        `schemas/${file} changed after its release (sha256 ${actual}, recorded ${recorded}). A released shape never changes: ` +
          `put the new shape in schemas/${output}/<next version>.json, bump ${entry.constant} in src/artifacts.ts and record the new file.`,
      ).toBe(recorded);
    }
    for (const [output, { versions }] of Object.entries(registry.outputs)) {
      for (const version of Object.keys(versions))
        expect(files, `schemas/${output}/${version}.json was released and is gone`).toContain(`${output}/${version}.json`);
    }
  });

  it('each schema is draft 2020-12, named by its output and version, pins that schema_version and closes every object', () => {
    expect(loadProblems).toEqual([]);
    for (const file of schemaFiles()) {
      const [output, name] = file.split('/');
      const version = name.replace(/\.json$/, '');
      const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'));
      expect(schema.$schema, file).toBe(DRAFT_2020_12);
      expect(schema.$id, file).toBe(schemaId(output, version));
      expect(schema.properties?.schema_version, file).toEqual({ const: version });
      expect(schema.required, file).toContain('schema_version');
      expect(openObjects(schema, '#'), `${file}: objects that accept keys they do not name`).toEqual([]);
      expect(ajv.getSchema(schemaId(output, version)), file).toBeTypeOf('function'); // compiles in strict mode
    }
  });
});

/**
 * Where a schema declares an object without saying what other keys it takes
 * (`additionalProperties`). Conditions (if/then/else, not, allOf, oneOf) constrain an
 * object closed elsewhere and are not shapes of their own.
 */
function openObjects(schema: unknown, at: string): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const types = ([] as unknown[]).concat(node.type ?? []);
  const open = (types.includes('object') || 'properties' in node) && !('additionalProperties' in node) ? [at] : [];
  const children: [string, unknown][] = [];
  for (const key of ['properties', '$defs'] as const) {
    for (const [name, child] of Object.entries((node[key] as Record<string, unknown>) ?? {})) children.push([`${at}/${key}/${name}`, child]);
  }
  for (const key of ['items', 'additionalProperties'] as const) if (key in node) children.push([`${at}/${key}`, node[key]]);
  ((node.anyOf as unknown[]) ?? []).forEach((child, index) => children.push([`${at}/anyOf/${index}`, child]));
  return [...open, ...children.flatMap(([where, child]) => openObjects(child, where))];
}

/** `--json` of a command that needs no warehouse. */
const json = (...args: string[]) => cli('--json', ...args);
const RETAIL = path.join(REPO, 'test', 'fixtures', 'retail');

describe('the project commands fit their schemas: init, contract infer, contract check', () => {
  it('init --json into a new folder, and the error object when its files exist', async () => {
    const dir = path.join(tempDir(), 'shop');
    const started = jsonOf(await json('init', dir), 0);
    expectShape('init-summary', started);
    expect(started.project).toBe('shop');
    expect(started.written).toHaveLength(3);
    for (const file of started.written) expect(fs.existsSync(file), file).toBe(true);
    expect(started.written[0]).toBe(path.join(dir, 'streamflow.yaml'));

    const again = jsonOf(await json('init', dir), 3);
    expectShape('error', again);
    expect(again.error.kind).toBe('refused');
  });

  it('contract infer --json: the draft as text (no --out) and as a file (--out), on the retail fixture and on a new project', async () => {
    const month = path.join(RETAIL, 'months', 'month_000');
    const printed = jsonOf(await json('contract', 'infer', month), 0);
    expectShape('contract-draft', printed);
    expect(printed.written).toEqual([]);
    expect(printed.contract).toContain('status: draft');
    expect(printed.tables.map((table: any) => table.name)).toEqual(['customers', 'orders', 'renewal_outcomes', 'store_visits']);
    const orders = printed.tables.find((table: any) => table.name === 'orders');
    expect(orders.key).toEqual(['customer_id', 'order_no']);
    expect(orders.columns.find((column: any) => column.name === 'customer_id').references).toBe('customers.customer_id');

    const file = path.join(tempDir(), 'contracts', 'retail.odcs.yaml');
    const written = jsonOf(await json('contract', 'infer', month, '--out', file), 0);
    expectShape('contract-draft', written);
    expect(written.written).toEqual([file]);
    expect(written).not.toHaveProperty('contract');
    expect(fs.readFileSync(file, 'utf8')).toBe(printed.contract);

    const project = path.join(tempDir(), 'shop');
    await json('init', project);
    expectShape('contract-draft', jsonOf(await json('contract', 'infer', path.join(project, 'seeds', 'month_000')), 0));

    // The text and the file go together: a printed draft without its text, a written one with it.
    const { contract: _text, ...withoutText } = printed;
    expect(shapeErrors('contract-draft', withoutText), 'no --out and no text').not.toBeNull();
    expect(shapeErrors('contract-draft', { ...written, contract: printed.contract }), 'a file written and its text').not.toBeNull();
  });

  it("contract check --json: the repository's churn project, the retail fixture (--project) and a new project", async () => {
    const churn = jsonOf(await json('contract', 'check'), 0);
    expectShape('contract-check', churn);
    expect(churn.project).toEqual({ name: 'churn', file: path.join(REPO, 'streamflow.yaml') });
    expect(churn.tables.map((table: any) => table.name)).toEqual(CHURN.tables.map((table) => table.name));

    const retail = jsonOf(await json('--project', path.join(RETAIL, 'streamflow.yaml'), 'contract', 'check'), 0);
    expectShape('contract-check', retail);
    expect(retail.project.file).toBe(path.join(RETAIL, 'streamflow.yaml'));
    expect(retail.entity).toEqual(['customer_id']);

    const project = path.join(tempDir(), 'shop');
    await json('init', project);
    expectShape('contract-check', jsonOf(await json('--project', path.join(project, 'streamflow.yaml'), 'contract', 'check'), 0));

    // Every expectation named as validation.json names it; the three severities and both kinds of rule between the two projects.
    const expectations = [churn, retail].flatMap((outline) =>
      outline.tables.flatMap((table: any) => table.expectations.map((expectation: any) => ({ table: table.name, ...expectation }))),
    );
    for (const { table, id, type } of expectations) expect(id).toMatch(new RegExp(`^${table}\\.[0-9]{2,}\\.${type}$`));
    expect(new Set(expectations.map((expectation) => expectation.severity))).toEqual(new Set(['error', 'warn', 'info']));
    expect(expectations.some((expectation) => expectation.column === null)).toBe(true);

    const tableRule = structuredClone(churn);
    tableRule.tables[0].expectations.find((expectation: any) => expectation.type === 'expect_table_row_count_to_be_between').column = 'user_id';
    expect(shapeErrors('contract-check', tableRule), 'a rule over the table with a column').not.toBeNull();
    const severity = structuredClone(churn);
    severity.tables[0].expectations[0].severity = 'fatal';
    expect(shapeErrors('contract-check', severity), 'a severity outside its set').not.toBeNull();
  });
});

describe.runIf(requirePrerequisite(REAL_EXPORTS))('every output on the real exports fits its schema', () => {
  /** month_000 and month_001 ingested, then a rejected, a rejected-at-load and a refused run, a validate and a backfill of replays. */
  const warehouse = tempDir();
  const out = tempDir('streamflow-outputs-');
  const runs: Record<string, any> = {};
  const at = (...args: string[]) => cli('--warehouse', warehouse, '--json', ...args);

  /** A copy of month_001 under another name (outside the month calendar), edited by `edit`. */
  const monthCopy = (name: string, edit: (dir: string) => void = () => undefined) => {
    const seeds = copyMonths(REAL, ['month_001']);
    const dir = path.join(seeds, name);
    fs.renameSync(path.join(seeds, 'month_001'), dir);
    edit(dir);
    return dir;
  };
  const replaceLine = (file: string, line: number, from: string, to: string) => {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[line - 1]).toContain(from);
    lines[line - 1] = lines[line - 1].replace(from, to);
    fs.writeFileSync(file, lines.join('\n'));
  };

  beforeAll(async () => {
    runs.month000 = jsonOf(await at('--seeds', REAL, 'ingest', 'month_000', '2024-01-31'), 0);
    runs.month001 = jsonOf(await at('--seeds', REAL, 'ingest', 'month_001', '2024-02-29'), 0);
    // One bad cell each: a value outside its set (a suite fails), a fee that does not parse (load fails).
    const badGender = monthCopy('export_bad_gender', (dir) => replaceLine(path.join(dir, 'users.csv'), 2, ',Female,', ',Robot,'));
    runs.rejected = jsonOf(await at('ingest', badGender, '2024-03-31'), 1);
    const badFee = monthCopy('export_bad_fee', (dir) => replaceLine(path.join(dir, 'subscriptions.csv'), 3, ',56.95,', ',abc,'));
    runs.rejectedAtLoad = jsonOf(await at('ingest', badFee, '2024-03-31'), 1);
    // month_001 byte for byte under another as_of: refused, recorded.
    runs.refused = jsonOf(await at('ingest', monthCopy('export_again'), '2024-03-31'), 3);
    runs.validated = jsonOf(await at('--seeds', REAL, 'validate', 'month_001'), 0);
    runs.backfill = jsonOf(await at('--seeds', REAL, 'backfill'), 0);
  });

  it('ingest --json: a first month, a month with a warning', () => {
    expectShape('run-summary', runs.month000);
    expectShape('run-summary', runs.month001);
    expect(runs.month001).toMatchObject({ status: 'succeeded', error: null, month_over_month: { previous_as_of: '2024-01-31' } });
    expect(runs.month000.month_over_month).toBeNull();
    expect(runs.month001.findings.length).toBeGreaterThan(0);
  });

  it('ingest --json of a rejected run (a suite fails; a value does not parse) and of a refused run', async () => {
    for (const run of [runs.rejected, runs.rejectedAtLoad, runs.refused]) expectShape('run-summary', run);
    expect(runs.rejected).toMatchObject({ status: 'rejected', exit_code: 1, error: { kind: 'data_rejected', exit_code: 1 } });
    expect(runs.rejectedAtLoad.tasks.find((task: any) => task.task === 'load')).toMatchObject({ state: 'failed' });
    // What load read is recorded though the month was rejected: every table but the one whose fee did not parse.
    const [recorded] = await query<{ tables: string }>(
      warehouse,
      `SELECT string_agg(t.table, ',' ORDER BY t.table) AS tables FROM (SELECT unnest(from_json(input_files, '[{"table":"VARCHAR"}]'), recursive := true) FROM meta.runs WHERE run_id = '${runs.rejectedAtLoad.run_id}') AS t`,
    );
    expect(recorded.tables).toBe(
      CHURN.tables
        .map((t) => t.name)
        .filter((table) => table !== 'subscriptions')
        .sort()
        .join(','),
    );
    expect(runs.refused).toMatchObject({ status: 'refused', exit_code: 3, error: { kind: 'refused', exit_code: 3 } });
  });

  it('validate --json and backfill --json (every month a replay)', () => {
    expectShape('run-summary', runs.validated);
    expect(runs.validated).toMatchObject({ command: 'validate', status: 'validated' });
    expectShape('backfill-summary', runs.backfill);
    expect(runs.backfill.runs.map((run: any) => run.status)).toEqual(['unchanged', 'unchanged']);
  });

  it('runs --json, runs show --json (a succeeded and a rejected run), snapshots --json, verify --json, report --json', async () => {
    const listing = jsonOf(await at('runs'), 0);
    expectShape('runs-list', listing);
    expect(listing.hidden_unchanged).toBe(2);
    expect(listing.runs.every((run: any) => run.rebuilt === false && run.duration_ms !== null)).toBe(true);
    expectShape('runs-list', jsonOf(await at('runs', '--all', '--limit', '3'), 0));
    for (const run of [runs.month001, runs.rejectedAtLoad, runs.refused]) {
      const shown = jsonOf(await at('runs', 'show', run.run_id), 0);
      expectShape('run-details', shown);
      expect(shown.run_id).toBe(run.run_id);
    }
    const snapshots = jsonOf(await at('snapshots'), 0);
    expectShape('snapshots-list', snapshots);
    expect(snapshots.snapshots).toHaveLength(12);
    expectShape('snapshots-list', jsonOf(await at('snapshots', '--table', 'labels', '--as-of', '2024-02-29'), 0));
    const verified = jsonOf(await at('verify'), 0);
    expectShape('verify-summary', verified);
    expect(verified).toMatchObject({ ok: true, files: 12 });
    expectShape('report-path', jsonOf(await at('report'), 0));
  });

  it('a correction on a copy: its ingest, runs, runs show, snapshots and verify --json, and the _manifest.json of both versions', async () => {
    const copy = tempDir();
    fs.cpSync(warehouse, copy, { recursive: true });
    const inCopy = (...args: string[]) => cli('--warehouse', copy, '--json', ...args);
    const seeds = copyMonths(REAL, ['month_000']);
    replaceLine(path.join(seeds, 'month_000', 'labels.csv'), 2, ',False', ',True');
    const correction = jsonOf(await inCopy('--seeds', seeds, 'ingest', 'month_000', '2024-01-31', '--correction', 'labels fixed'), 0);
    expectShape('run-summary', correction);
    expect(correction.amendment).toMatchObject({ kind: 'correction', version: 2, differences: [{ table: 'labels', changed: 1 }] });
    expectShape('runs-list', jsonOf(await inCopy('runs'), 0));
    const shown = jsonOf(await inCopy('runs', 'show', correction.run_id), 0);
    expectShape('run-details', shown);
    expect(shown.snapshots.map((entry: any) => entry.version)).toEqual(CHURN.tables.map(() => 2));
    const snapshots = jsonOf(await inCopy('snapshots'), 0);
    expectShape('snapshots-list', snapshots);
    expect(snapshots.snapshots).toHaveLength(18);
    expect(jsonOf(await inCopy('verify'), 0)).toMatchObject({ ok: true, files: 18 });
    for (const folder of ['as_of=2024-01-31', '_versions/as_of=2024-01-31/version=1']) {
      expectShape('partition-manifest', JSON.parse(fs.readFileSync(path.join(copy, 'snapshots', 'labels', folder, PARTITION_MANIFEST), 'utf8')));
    }
  });

  it('config --json, with a secret masked', async () => {
    const config = jsonOf(await at('--url', 'postgres://someone:secret@db.example:5432/x', 'config'), 0);
    expectShape('config', config);
    expect(JSON.stringify(config)).not.toContain('secret');
  });

  it('query --out --json and training-set --out --json', async () => {
    for (const file of ['q.csv', 'q.parquet', 'q.json', 'q.arrow']) {
      const written = jsonOf(await at('query', '--out', path.join(out, file), 'SELECT as_of, count(*) AS n FROM snapshots.labels GROUP BY ALL'), 0);
      expectShape('query-out', written);
      expect(written.rows).toBe(2);
    }
    const training = jsonOf(
      await at('training-set', '--as-of', '2024-01-31', '--label-horizon', '1', '--with-source-as-of', '--out', path.join(out, 't.parquet')),
      0,
    );
    expectShape('training-summary', training);
    expect(training).toMatchObject({ rows: 7043, label: 'next_as_of' });
    expect(training.versions_read.entities).toMatchObject({ table_name: 'labels', as_of: '2024-01-31', version: 1 });
    expect(training.versions_read.label).toMatchObject([{ table_name: 'labels', as_of: '2024-02-29', version: 1 }]);
    expect(Date.parse(training.known_at)).toBeGreaterThanOrEqual(Date.parse(training.versions_read.label[0].recorded_at));
  });

  it('contract infer --out --json on the real month_000', async () => {
    const file = path.join(out, 'contracts', 'churn.odcs.yaml');
    const draft = jsonOf(await at('contract', 'infer', path.join(REAL, 'month_000'), '--out', file), 0);
    expectShape('contract-draft', draft);
    expect(draft.written).toEqual([file]);
    expect(fs.readFileSync(file, 'utf8')).toContain('status: draft');
    expect(draft.tables.map((table: any) => table.name).sort()).toEqual(CHURN.tables.map((table) => table.name).sort());
    expect(draft.tables.find((table: any) => table.name === 'users')).toMatchObject({ rows: 7043, key: ['user_id'] });
    expect(draft.label).toEqual({ table: 'labels', column: 'churn_label' });
  });

  it('the error object: a bad command line, an invalid invocation, a refusal', async () => {
    const failures = [
      [await at('no-such-command'), 2, 'invalid_invocation'],
      [await at('runs', 'show', 'no-such-run'), 2, 'invalid_invocation'],
      [await at('ingest', 'month_001', '2024-01-31'), 2, 'invalid_invocation'],
      [await at('rebuild'), 3, 'refused'],
    ] as const;
    for (const [result, code, kind] of failures) {
      const error = jsonOf(result, code);
      expectShape('error', error);
      expect(error.error).toMatchObject({ kind, exit_code: code });
    }
  });

  it('rebuild --json on a copy with the database moved aside; runs show of a restored run; verify --json with findings', async () => {
    const copy = tempDir();
    fs.cpSync(warehouse, copy, { recursive: true });
    fs.renameSync(path.join(copy, 'streamflow.duckdb'), path.join(out, 'aside.duckdb'));
    fs.rmSync(path.join(copy, 'snapshots', 'labels', 'as_of=2024-02-29'), { recursive: true });
    const inCopy = (...args: string[]) => cli('--warehouse', copy, '--json', ...args);

    const refused = jsonOf(await inCopy('rebuild'), 3); // an as_of lacks a partition
    expectShape('error', refused);
    const rebuilt = jsonOf(await inCopy('rebuild', '--allow-missing-partitions'), 0);
    expectShape('rebuild-summary', rebuilt);
    expect(rebuilt.missing_partitions).toEqual([{ table: 'labels', as_of: '2024-02-29' }]);

    const restored = jsonOf(await inCopy('runs', 'show', 'latest'), 0);
    expectShape('run-details', restored);
    expect(restored.tasks).toEqual([]);
    // Not measured, and said so: no end time, no counts, no metrics to compare (they are not in the snapshot files).
    expect(restored).toMatchObject({ rebuilt: true, ended_at: null, table_counts: null, month_over_month: null });
    const restoredRuns = jsonOf(await inCopy('runs'), 0);
    expectShape('runs-list', restoredRuns);
    expect(restoredRuns.runs.map((run: any) => [run.rebuilt, run.duration_ms, run.rows_inserted, run.rows_updated])).toEqual([
      [true, null, null, null],
      [true, null, null, null],
    ]);
    expect(restoredRuns.runs.every((run: any) => run.rows_in > 0)).toBe(true);
    const page = await cli('--warehouse', copy, 'runs', 'show', 'latest');
    expect(page.stdout).toMatch(/^ {2}ended +not measured \(restored by `streamflow rebuild`\)$/m);
    expect(page.stdout).toMatch(/^ {2}users +[0-9.]+ KiB +7,043 +— +— +— +7,043 rows, [0-9a-f]{12}$/m);
    expect(page.stdout).not.toMatch(/ 0 ms/);
    const table = await cli('--warehouse', copy, 'runs');
    expect(table.stdout).toMatch(/^\S+ +ingest +month_001 +2024-02-29 +succeeded +0 +— +42258 +— +— /m);
    expect(table.stdout).toContain('(—: not measured, the run was restored by `streamflow rebuild`)');

    // One data file altered, one file nobody froze.
    const users = path.join(copy, 'snapshots', 'users', 'as_of=2024-01-31', 'data_0.parquet');
    fs.appendFileSync(users, 'x');
    fs.writeFileSync(path.join(copy, 'snapshots', 'users', 'stray.parquet'), 'x');
    const verified = jsonOf(await inCopy('verify'), 1);
    expectShape('verify-summary', verified);
    expect(verified.ok).toBe(false);
    expect(verified.findings.map((finding: any) => finding.problem).sort()).toEqual(['changed', 'unexpected']);
  });

  it("validation.json of every run and every partition's _manifest.json on disk (and a version-1 manifest)", () => {
    const reports = fs.readdirSync(path.join(warehouse, 'reports')).filter((name) => fs.existsSync(path.join(warehouse, 'reports', name, 'validation.json')));
    const documents = reports.map((name) => JSON.parse(fs.readFileSync(path.join(warehouse, 'reports', name, 'validation.json'), 'utf8')));
    for (const document of documents) expectShape('validation', document);
    // What the runs above wrote covers the document's variants.
    const results = documents.flatMap((document) => document.results);
    expect(documents.length).toBeGreaterThanOrEqual(8);
    expect(documents.some((document) => document.meta.command === 'validate')).toBe(true);
    expect(documents.some((document) => document.meta.reused_from_run !== undefined)).toBe(true);
    expect(results.some((result) => /\.load[0-9]+\./.test(result.expectation_config.id))).toBe(true);
    expect(results.some((result) => !result.success && result.result.partial_unexpected_list.length > 0)).toBe(true);
    expect(new Set(results.map((result) => result.expectation_config.type)).size).toBeGreaterThan(15);

    const manifests = fs
      .readdirSync(path.join(warehouse, 'snapshots'))
      .flatMap((table) =>
        fs.readdirSync(path.join(warehouse, 'snapshots', table)).map((partition) => path.join(warehouse, 'snapshots', table, partition, PARTITION_MANIFEST)),
      );
    expect(manifests).toHaveLength(12);
    for (const file of manifests) expectShape('partition-manifest', JSON.parse(fs.readFileSync(file, 'utf8')));
    // Versions 1 (before warehouse identities), 2 (before contract versions) and 3 (before versions of an as_of) are still read by rebuild and verify.
    const {
      warehouse_id: _identity,
      contract_version: _version,
      version: _asOfVersion,
      recorded_at: _recordedAt,
      reason: _reason,
      run_by: _runBy,
      ...rest
    } = JSON.parse(fs.readFileSync(manifests[0], 'utf8'));
    expectShape('partition-manifest', { ...rest, warehouse_id: _identity, contract_version: _version, schema_version: '3' }, '3');
    expectShape('partition-manifest', { ...rest, schema_version: '1' }, '1');
    expectShape('partition-manifest', { ...rest, warehouse_id: _identity, schema_version: '2' }, '2');
    expect(shapeErrors('partition-manifest', { ...rest, schema_version: '2' })).toContain('warehouse_id');
    expect(shapeErrors('partition-manifest', { ...rest, warehouse_id: _identity, schema_version: '3' })).toContain('contract_version');
  });

  it('a change of shape fails the schema: a key more, a key less, a value outside its set', () => {
    const summary = runs.month001;
    const changed: [string, object][] = [
      ['a key more', { ...summary, rows: 1 }],
      ['a key less', (({ findings: _findings, ...rest }) => rest)(summary)],
      ['a status outside its set', { ...summary, status: 'done' }],
      ['an error kind with the wrong exit code', { ...runs.rejected, error: { ...runs.rejected.error, exit_code: 3 } }],
      ['a success with an error', { ...summary, error: runs.rejected.error }],
      ['a task state outside its set', { ...summary, tasks: [{ ...summary.tasks[0], state: 'done' }] }],
      ['a null where none may be', { ...summary, tables: [{ ...summary.tables[0], inserted: null }] }],
    ];
    for (const [what, value] of changed) expect(shapeErrors('run-summary', value), what).not.toBeNull();
    // The same schema under the next version is another file: the version is pinned.
    expect(shapeErrors('run-summary', { ...summary, schema_version: '2.3' })).toContain('schema_version');

    const document = JSON.parse(fs.readFileSync(path.join(summary.report_path, 'validation.json'), 'utf8'));
    const withKwarg = structuredClone(document);
    withKwarg.results[0].expectation_config.kwargs.tolerance = 1;
    expect(shapeErrors('validation', withKwarg), 'a kwarg its type does not take').not.toBeNull();
    const withObserved = structuredClone(document);
    withObserved.results.find((result: any) => result.expectation_config.type === 'expect_column_values_to_not_be_null').result.observed_value = 0;
    expect(shapeErrors('validation', withObserved), 'an observed value on a row-level rule').not.toBeNull();
  });

  describe.runIf(requirePrerequisite(POSTGRES))('the PostgreSQL outputs', () => {
    let url = '';
    let drop: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      ({ url, drop } = await createTestDatabase('streamflow_shapes_test'));
    });
    afterAll(async () => drop());

    it('sync-postgres --json, ingest --sync-postgres --json, verify --postgres --json (matching, then not)', async () => {
      const synced = jsonOf(await at('--url', url, 'sync-postgres'), 0);
      expectShape('sync-summary', synced);
      expect(synced.rows_written).toBeGreaterThan(0);
      const replay = jsonOf(await at('--seeds', REAL, '--url', url, 'ingest', 'month_001', '2024-02-29', '--sync-postgres'), 0);
      expectShape('run-summary', replay);
      expect(replay.sync).toMatchObject({ rows_written: 0 });

      const verified = jsonOf(await at('--url', url, 'verify', '--postgres'), 0);
      expectShape('sync-verify', verified);
      expect(verified).toMatchObject({ ok: true, findings: [] });
      await withClient(url, (client) =>
        client.query(
          `UPDATE labels_snapshots SET churn_label = NOT churn_label WHERE as_of = '2024-01-31' AND user_id = (SELECT min(user_id) FROM labels_snapshots)`,
        ),
      );
      const differs = jsonOf(await at('--url', url, 'verify', '--postgres'), 1);
      expectShape('sync-verify', differs);
      expect(differs.findings).toContainEqual(expect.objectContaining({ table: 'labels_snapshots', as_of: '2024-01-31', problem: 'differs' }));
    });

    it('a sync that cannot log in: the error object, and the summary of a committed run whose sync failed (exit 4)', async () => {
      const refusedLogin = new URL(TEST_PG_URL);
      refusedLogin.password = 'not-the-password';
      const failed = jsonOf(await at('--url', refusedLogin.toString(), 'sync-postgres'), 4);
      expectShape('error', failed);
      expect(failed.error.kind).toBe('sync_failed');
      const run = jsonOf(await at('--seeds', REAL, '--url', refusedLogin.toString(), 'ingest', 'month_001', '2024-02-29', '--sync-postgres'), 4);
      expectShape('run-summary', run);
      expect(run.tasks.at(-1)).toMatchObject({ task: 'sync', state: 'failed' });
    });
  });
});
