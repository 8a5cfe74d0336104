// Nothing in src/ names a table or column of the churn dataset (issue 22): the contract
// is the project's file, and every stage takes it as an argument. The names checked are
// the churn contract's own with an underscore in them (plain words such as "users" or
// "labels" also say other things in comments).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHURN } from '../tools/churn-contract';
import { REPO } from './paths';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file) : [file];
  });
}

describe('src/ is dataset-neutral', () => {
  const names = [...new Set(CHURN.tables.flatMap((table) => [table.name, ...table.columns.map((column) => column.name)]))].filter((name) => name.includes('_'));

  it('checks a real list: the churn key, label and aggregate tables are in it', () => {
    expect(names).toEqual(expect.arrayContaining(['user_id', 'churn_label', 'usage_agg_30d', 'monthly_fee']));
  });

  it('names none of them in any file under src/ or sql/', () => {
    const found = [...filesUnder(path.join(REPO, 'src')), ...filesUnder(path.join(REPO, 'sql'))].flatMap((file) => {
      const text = fs.readFileSync(file, 'utf8');
      return names.filter((name) => new RegExp(`\\b${name}\\b`).test(text)).map((name) => `${path.relative(REPO, file)}: ${name}`);
    });
    expect(found).toEqual([]);
  });
});
