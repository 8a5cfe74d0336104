// A contract whose entity is a composite key (store_id, member_id: an INTEGER beside a
// VARCHAR): training sets over a labels snapshot and over an entity file carry both key
// columns, typed as the contract declares them; `serve`, which looks entities up by one
// key, refuses the contract up front (exit 2).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Csv } from './csv';
import { cli, tempDir } from './helpers';

const PROJECT = `name: composite
contract: contracts/stores.odcs.yaml
seeds: months
calendar: { first_as_of: '2025-01-31' }
label: { table: outcomes, column: stayed }
feature_views:
  - { name: activity, table: visits, features: all, default: true }
`;

const CONTRACT = `apiVersion: v3.1.0
kind: DataContract
id: composite-entity
version: 1.0.0
schema:
  - name: visits
    properties:
      - { name: store_id, physicalType: VARCHAR, primaryKey: true, primaryKeyPosition: 1 }
      - { name: member_id, physicalType: INTEGER, primaryKey: true, primaryKeyPosition: 2 }
      - { name: visits, physicalType: INTEGER, required: true }
  - name: outcomes
    properties:
      - { name: store_id, physicalType: VARCHAR, primaryKey: true, primaryKeyPosition: 1 }
      - { name: member_id, physicalType: INTEGER, primaryKey: true, primaryKeyPosition: 2 }
      - { name: stayed, physicalType: BOOLEAN, required: true }
`;

describe('a composite entity key (store_id, member_id)', () => {
  const root = tempDir('streamflow-composite-');
  const warehouse = path.join(root, 'warehouse');
  const sf = (...args: string[]) => cli('--project', path.join(root, 'streamflow.yaml'), '--warehouse', warehouse, ...args);

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, 'contracts'));
    fs.mkdirSync(path.join(root, 'months', 'month_000'), { recursive: true });
    fs.writeFileSync(path.join(root, 'streamflow.yaml'), PROJECT);
    fs.writeFileSync(path.join(root, 'contracts', 'stores.odcs.yaml'), CONTRACT);
    // Member 1 exists in both stores: only the pair tells the rows apart.
    fs.writeFileSync(path.join(root, 'months', 'month_000', 'visits.csv'), 'store_id,member_id,visits\nA,1,3\nA,2,5\nB,1,7\n');
    fs.writeFileSync(path.join(root, 'months', 'month_000', 'outcomes.csv'), 'store_id,member_id,stayed\nA,1,true\nA,2,false\nB,1,true\n');
    const run = await sf('ingest', 'month_000');
    expect(run.code, run.stderr).toBe(0);
  });

  it('builds a training set on the labels snapshot, one row per pair, both key columns first', async () => {
    const out = path.join(root, 'snapshot-set.csv');
    const built = await sf('training-set', '--as-of', '2025-01-31', '--out', out);
    expect(built.code, built.stderr).toBe(0);
    expect(Csv.read(out).lines()).toEqual([
      'store_id,member_id,event_timestamp,visits,stayed',
      'A,1,2025-01-31,3,true',
      'A,2,2025-01-31,5,false',
      'B,1,2025-01-31,7,true',
    ]);
  });

  it('builds one on an entity file, its key read as the contract types it, and rejects a key that does not parse', async () => {
    const entities = path.join(root, 'entities.csv');
    fs.writeFileSync(entities, 'store_id,member_id,event_timestamp\nB,1,2025-02-10\nA,2,2025-02-01\n');
    const out = path.join(root, 'entity-set.csv');
    const built = await sf('training-set', '--entities', entities, '--out', out);
    expect(built.code, built.stderr).toBe(0);
    expect(Csv.read(out).rows).toEqual([
      ['B', '1', '2025-02-10 00:00:00', '7', 'true'],
      ['A', '2', '2025-02-01 00:00:00', '5', 'false'],
    ]);
    fs.writeFileSync(entities, 'store_id,member_id,event_timestamp\nB,one,2025-02-10\n');
    const rejected = await sf('training-set', '--entities', entities, '--out', out);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/member_id failed parses_as_integer: 1 row; e\.g\. line 2 \(B, one\): "one"/);
  });

  it('refuses serve, which looks entities up by one key (exit 2)', async () => {
    const served = await sf('serve', '--port', '0');
    expect(served.code).toBe(2);
    expect(served.stderr).toContain("this contract's entity is (store_id, member_id)");
  });
});
