// The commands that start and check a project, through the built bin: `init` writes a
// skeleton that ingests as it is and never overwrites a file; `contract infer` drafts an
// ODCS contract from a month's CSV files that its own month passes unedited; `contract
// check` lists what a project compiles to, or names the line and column of its mistake.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type BinRun, REAL, REAL_EXPORTS, REPO, requirePrerequisite, runBin, tempDir } from './helpers';

/** `streamflow <args>` as a process of its own, in `cwd`. */
function streamflow(args: readonly string[], cwd: string): Promise<BinRun> {
  return runBin(args, { cwd });
}

function readYaml(file: string): any {
  return parse(fs.readFileSync(file, 'utf8'));
}

describe('init', () => {
  it('writes a project whose first month ingests in its folder, named after the folder', async () => {
    const dir = path.join(tempDir('streamflow-init-'), 'My Shop-2');
    const init = await streamflow(['init', dir], REPO);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('project my_shop_2 started');
    expect(init.stdout).toContain('streamflow ingest month_000');
    for (const file of ['streamflow.yaml', 'contracts/my_shop_2.odcs.yaml', 'seeds/month_000/customers.csv']) {
      expect(fs.existsSync(path.join(dir, file)), file).toBe(true);
      expect(init.stdout).toContain(path.join(dir, file));
    }
    const project = readYaml(path.join(dir, 'streamflow.yaml'));
    expect(project).toMatchObject({ name: 'my_shop_2', contract: 'contracts/my_shop_2.odcs.yaml', seeds: 'seeds', warehouse: 'warehouse' });

    const ingest = await streamflow(['--quiet', 'ingest', 'month_000'], dir);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stdout).toMatch(/ingest month_000 as_of \d{4}-\d{2}-\d{2}: succeeded/);
    expect(fs.existsSync(path.join(dir, 'warehouse', 'streamflow.duckdb'))).toBe(true);

    const check = await streamflow(['--json', 'contract', 'check'], dir);
    expect(check.code, check.stderr).toBe(0);
    expect(check.json.project).toEqual({ name: 'my_shop_2', file: path.join(dir, 'streamflow.yaml') });
    expect(check.json.tables.map((table: any) => table.name)).toEqual(['customers']);
    expect(check.json.warnings).toEqual([]);
  });

  it('with no folder starts the working folder; --json lists what it wrote', async () => {
    const dir = tempDir('streamflow-init-');
    const init = await streamflow(['--json', 'init'], dir);
    expect(init.code, init.stderr).toBe(0);
    const name = path.basename(dir).toLowerCase().replace(/-/g, '_');
    expect(init.json).toEqual({
      schema_version: '2.2',
      project: name,
      written: [path.join(dir, 'streamflow.yaml'), path.join(dir, 'contracts', `${name}.odcs.yaml`), path.join(dir, 'seeds', 'month_000', 'customers.csv')],
    });
    const ingest = await streamflow(['--quiet', 'ingest', 'month_000'], dir);
    expect(ingest.code, ingest.stderr).toBe(0);
  });

  it('refuses (exit 3) to overwrite a project file or a contract, and writes nothing', async () => {
    const dir = tempDir('streamflow-init-');
    expect((await streamflow(['init', '--name', 'shop'], dir)).code).toBe(0);
    const edited = '# mine\n';
    fs.writeFileSync(path.join(dir, 'streamflow.yaml'), edited);
    const again = await streamflow(['init', '--name', 'shop'], dir);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`${path.join(dir, 'streamflow.yaml')}`);
    expect(fs.readFileSync(path.join(dir, 'streamflow.yaml'), 'utf8')).toBe(edited);

    // Only the contract there: still refused, and no project file is written beside it.
    const other = tempDir('streamflow-init-');
    fs.mkdirSync(path.join(other, 'contracts'));
    fs.writeFileSync(path.join(other, 'contracts', 'shop.odcs.yaml'), edited);
    const refused = await streamflow(['--json', 'init', other, '--name', 'shop'], REPO);
    expect(refused.code).toBe(3);
    expect(refused.json.error).toMatchObject({ kind: 'refused', exit_code: 3 });
    expect(refused.json.error.message).toContain(path.join(other, 'contracts', 'shop.odcs.yaml'));
    expect(fs.existsSync(path.join(other, 'streamflow.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(other, 'contracts', 'shop.odcs.yaml'), 'utf8')).toBe(edited);

    const badName = await streamflow(['init', '--name', '1 shop'], tempDir('streamflow-init-'));
    expect(badName.code).toBe(2);
  });
});

describe('contract infer', () => {
  it('drafts every type from a small month, which that month then passes unedited', async () => {
    const root = tempDir('streamflow-infer-');
    const month = path.join(root, 'exports', 'month_000');
    fs.mkdirSync(month, { recursive: true });
    fs.writeFileSync(
      path.join(month, 'Customers.csv'),
      [
        'customer_id,zip,joined,last_seen,seen_at,active,vip,score,fee,ratio,visits,big',
        'C1,00123,2024-01-03,2024-01-05 10:00:00,2024-01-05 10:00:00Z,True,Y,1.5,10.25,0.123456,3,9007199254740993',
        'C2,04000,2023-12-31,2024-01-06T11:30:00.25,2024-01-06T11:30:00+02:00,false,n,2e3,7,0.5,,-4',
        'C3,10001,2024-01-30,2024-01-07 09:00:00,2024-01-07 09:00:00,TRUE,N,-3,0.1,1,12,12',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(month, 'orders.csv'), 'customer_id,order_no,total\nC1,1,5.5\nC1,2,6\nC3,1,7\n');
    fs.writeFileSync(path.join(month, 'outcomes.csv'), 'customer_id,renewed\nC1,true\nC2,false\nC3,true\n');
    const out = path.join(root, 'project', 'contracts', 'draft.odcs.yaml');
    const infer = await streamflow(['contract', 'infer', month, '--out', out], root);
    expect(infer.code, infer.stderr).toBe(0);
    expect(infer.stdout).toContain('wrote project/contracts/draft.odcs.yaml: a draft contract of 3 tables and 17 columns');
    expect(infer.stdout).toMatch(/label:.*\n\s+table: outcomes\n\s+column: renewed/);

    const text = fs.readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe(`# drafted by streamflow contract infer from ${month} — review before use.`);
    const draft = readYaml(out);
    expect(draft).toMatchObject({ apiVersion: 'v3.1.0', kind: 'DataContract', id: 'exports', status: 'draft' });
    // Referenced tables first; the file name a plain name, the file kept as a custom property.
    expect(draft.schema.map((table: any) => table.name)).toEqual(['customers', 'orders', 'outcomes']);
    const [customers, orders, outcomes] = draft.schema;
    expect(customers.customProperties).toEqual([{ property: 'file', value: 'Customers.csv' }]);
    const property = (table: any, name: string) => table.properties.find((candidate: any) => candidate.name === name);
    const types = Object.fromEntries(customers.properties.map((candidate: any) => [candidate.name, candidate.physicalType]));
    expect(types).toEqual({
      customer_id: 'VARCHAR',
      zip: 'VARCHAR',
      joined: 'DATE',
      last_seen: 'TIMESTAMP',
      seen_at: 'TIMESTAMPTZ',
      active: 'BOOLEAN',
      vip: 'BOOLEAN',
      score: 'DOUBLE',
      fee: 'DECIMAL(18,2)',
      ratio: 'DOUBLE',
      visits: 'INTEGER',
      big: 'BIGINT',
    });
    expect(property(customers, 'customer_id')).toMatchObject({ primaryKey: true, primaryKeyPosition: 1, required: true });
    expect(property(customers, 'vip').customProperties).toEqual([
      { property: 'trueValues', value: ['Y'] },
      { property: 'falseValues', value: ['N'] },
    ]);
    expect(property(customers, 'visits')).toMatchObject({ required: false, logicalTypeOptions: { minimum: 3, maximum: 12 } });
    expect(property(customers, 'fee').logicalTypeOptions).toEqual({ minimum: 0.1, maximum: 10.25 });
    expect(property(customers, 'score').logicalTypeOptions).toEqual({ minimum: -3, maximum: 2000 });
    // Too many digits for a double: no bound rather than one that the month breaks.
    expect(property(customers, 'big').logicalTypeOptions).toBeUndefined();
    expect(property(customers, 'joined').logicalTypeOptions).toBeUndefined();
    // No single column identifies an order: the pair does.
    expect(orders.properties.filter((candidate: any) => candidate.primaryKey).map((candidate: any) => candidate.name)).toEqual(['customer_id', 'order_no']);
    expect(property(orders, 'customer_id').relationships).toEqual([{ to: 'customers.customer_id', type: 'foreignKey' }]);
    expect(property(outcomes, 'customer_id').relationships).toEqual([{ to: 'customers.customer_id', type: 'foreignKey' }]);
    expect(property(customers, 'customer_id').relationships).toBeUndefined();

    const project = path.join(root, 'project', 'streamflow.yaml');
    fs.writeFileSync(project, 'name: draft\ncontract: contracts/draft.odcs.yaml\nlabel:\n  table: outcomes\n  column: renewed\n');
    const ingest = await streamflow(['--quiet', '--project', project, '--warehouse', path.join(root, 'wh'), 'ingest', month, '2024-01-31'], root);
    expect(ingest.code, ingest.stderr + ingest.stdout).toBe(0);
  });

  it('refuses to overwrite --out without --force, and names what it cannot read', async () => {
    const root = tempDir('streamflow-infer-');
    fs.writeFileSync(path.join(root, 'a.csv'), 'id,v\n1,x\n');
    const out = path.join(root, 'draft.odcs.yaml');
    fs.writeFileSync(out, 'mine\n');
    const refused = await streamflow(['contract', 'infer', root, '--out', out], root);
    expect(refused.code).toBe(3);
    expect(fs.readFileSync(out, 'utf8')).toBe('mine\n');
    const forced = await streamflow(['contract', 'infer', root, '--out', out, '--force'], root);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readYaml(out).status).toBe('draft');

    const printed = await streamflow(['contract', 'infer', root], root);
    expect(printed.code, printed.stderr).toBe(0);
    expect(readYaml(path.join(root, 'draft.odcs.yaml'))).toEqual(parse(printed.stdout));

    fs.writeFileSync(path.join(root, 'bad.csv'), 'a,Monthly Fee\n1,2\n');
    const badHeader = await streamflow(['contract', 'infer', root], root);
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).toContain('"Monthly Fee" of bad.csv is not a plain name');
    fs.writeFileSync(path.join(root, 'bad.csv'), 'a,b\n1,2,3\n');
    const ragged = await streamflow(['contract', 'infer', root], root);
    expect(ragged.code).toBe(2);
    expect(ragged.stderr).toContain('bad.csv cannot be read as CSV');
    expect((await streamflow(['contract', 'infer', path.join(root, 'nowhere')], root)).code).toBe(2);
  });

  describe.runIf(requirePrerequisite(REAL_EXPORTS))('on the real exports', () => {
    it('drafts month_000 into a contract that ingests month_000 with no edit', async () => {
      const root = tempDir('streamflow-infer-real-');
      const out = path.join(root, 'contracts', 'inferred.odcs.yaml');
      const month = path.join(REAL, 'month_000');
      const infer = await streamflow(['contract', 'infer', month, '--out', out], root);
      expect(infer.code, infer.stderr).toBe(0);

      const draft = readYaml(out);
      expect(draft.status).toBe('draft');
      expect(draft.schema.map((table: any) => table.name)).toEqual([
        'users',
        'labels',
        'payments_agg_90d',
        'subscriptions',
        'support_agg_90d',
        'usage_agg_30d',
      ]);
      const table = (name: string) => draft.schema.find((candidate: any) => candidate.name === name);
      const property = (tableName: string, name: string) => table(tableName).properties.find((candidate: any) => candidate.name === name);
      for (const { name } of draft.schema) {
        expect(property(name, 'user_id'), name).toMatchObject({ physicalType: 'VARCHAR', primaryKey: true, required: true });
        expect(property(name, 'user_id').relationships, name).toEqual(name === 'users' ? undefined : [{ to: 'users.user_id', type: 'foreignKey' }]);
      }
      expect(property('subscriptions', 'plan_stream_tv')).toMatchObject({ physicalType: 'BOOLEAN', required: false });
      expect(property('subscriptions', 'plan_stream_movies')).toMatchObject({ physicalType: 'BOOLEAN', required: false });
      expect(property('subscriptions', 'monthly_fee')).toMatchObject({ physicalType: 'DECIMAL(18,2)', required: true });
      expect(property('subscriptions', 'months_active')).toMatchObject({ physicalType: 'INTEGER', logicalTypeOptions: { minimum: 0, maximum: 72 } });
      expect(property('users', 'signup_date').physicalType).toBe('DATE');
      expect(property('labels', 'churn_label')).toMatchObject({ physicalType: 'BOOLEAN', required: true });
      expect(property('usage_agg_30d', 'watch_hours_30d').physicalType).toBe('DOUBLE');
      expect(infer.stdout).toMatch(/label:.*\n\s+table: labels\n\s+column: churn_label/);

      const project = path.join(root, 'streamflow.yaml');
      fs.writeFileSync(project, 'name: inferred\ncontract: contracts/inferred.odcs.yaml\nlabel:\n  table: labels\n  column: churn_label\n');
      const ingest = await streamflow(['ingest', month, '2024-01-31', '--project', project, '--warehouse', path.join(root, 'wh')], root);
      expect(ingest.code, ingest.stderr + ingest.stdout).toBe(0);
      expect(ingest.stdout).toContain('ingest month_000 as_of 2024-01-31: succeeded');
    });
  });
});

describe('contract check', () => {
  const CHURN_PROJECT = path.join(REPO, 'streamflow.yaml');

  it('lists the churn project: 6 tables, 150 expectations, each with its id, type, column and sentence', async () => {
    const text = await streamflow(['--project', CHURN_PROJECT, 'contract', 'check'], tempDir('streamflow-check-'));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('6 tables, 150 expectations');
    const lines = text.stdout.split('\n').filter((line) => /^ {4}[a-z_0-9]+\.\d{2}\.expect_/.test(line));
    expect(lines).toHaveLength(150);
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}users\.04\.expect_column_values_to_be_unique +user_id +values are unique$/));
    expect(text.stdout).toMatch(/^subscriptions: subscriptions\.csv, key user_id, every key in users/m);

    const json = await streamflow(['--json', '--project', CHURN_PROJECT, 'contract', 'check'], tempDir('streamflow-check-'));
    expect(json.code, json.stderr).toBe(0);
    const outline = json.json;
    expect(outline).toMatchObject({
      schema_version: '2.2',
      project: { name: 'churn', file: CHURN_PROJECT },
      contract: { id: 'churn', name: 'churn', version: '1.0.0' },
      entity: ['user_id'],
      label: { table: 'labels', column: 'churn_label' },
      warnings: [],
    });
    expect(outline.tables.map((table: any) => table.name)).toEqual([
      'users',
      'subscriptions',
      'usage_agg_30d',
      'payments_agg_90d',
      'support_agg_90d',
      'labels',
    ]);
    expect(outline.tables.reduce((sum: number, table: any) => sum + table.expectations.length, 0)).toBe(150);
    const subscriptions = outline.tables[1];
    expect(subscriptions).toMatchObject({ name: 'subscriptions', file: 'subscriptions.csv', key: ['user_id'] });
    expect(subscriptions.columns).toContainEqual({ name: 'monthly_fee', type: 'DECIMAL(10,2)', required: true, exported: true });
    expect(subscriptions.columns).toContainEqual({ name: 'plan_stream_tv', type: 'BOOLEAN', required: false, exported: true });
    for (const table of outline.tables) {
      table.expectations.forEach((expectation: any, index: number) => {
        expect(Object.keys(expectation)).toEqual(['id', 'type', 'column', 'severity', 'description']);
        expect(expectation.id).toBe(`${table.name}.${String(index).padStart(2, '0')}.${expectation.type}`);
        expect(['error', 'warn', 'info']).toContain(expectation.severity);
        expect(expectation.description).not.toBe('');
      });
    }
    expect(
      subscriptions.expectations.find(
        (expectation: any) => expectation.column === 'months_active' && expectation.type === 'expect_column_values_to_be_between',
      ),
    ).toMatchObject({ severity: 'error', description: 'values between 0 and 600' });
  });

  it('names the line and column of a mistake in the contract (exit 2)', async () => {
    const dir = tempDir('streamflow-check-');
    fs.copyFileSync(CHURN_PROJECT, path.join(dir, 'streamflow.yaml'));
    fs.cpSync(path.join(REPO, 'contracts'), path.join(dir, 'contracts'), { recursive: true });
    const contract = path.join(dir, 'contracts', 'churn.odcs.yaml');
    const lines = fs.readFileSync(contract, 'utf8').split('\n');
    const line = lines.findIndex((text) => text.includes('physicalType: DECIMAL(10,2)'));
    lines[line] = lines[line].replace('DECIMAL(10,2)', 'MONEY');
    fs.writeFileSync(contract, lines.join('\n'));
    const column = lines[line].indexOf('MONEY') + 1;

    const text = await streamflow(['contract', 'check'], dir);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(`contracts/churn.odcs.yaml:${line + 1}:${column}: unknown physicalType "MONEY"`);
    const json = await streamflow(['--json', 'contract', 'check'], dir);
    expect(json.code).toBe(2);
    expect(json.json.error).toMatchObject({ kind: 'invalid_invocation', exit_code: 2 });
    expect(json.json.error.message).toContain(`:${line + 1}:${column}:`);
  });
});
