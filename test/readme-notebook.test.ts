// README "Reading the snapshots" and "Explore in a notebook": every `streamflow` and SQL snippet, read from README.md
// by its `<!-- notebook: question -->` marker, runs on the real exports, and the ways of
// asking one question give the same answer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../src/engine/duckdb';
import { CHURN } from '../tools/churn-contract';
import { cli, REAL_EXPORTS, REPO, realWarehouse, requirePrerequisite, tempDir } from './helpers';

interface Snippet {
  readonly question: string;
  readonly language: 'sh' | 'sql';
  readonly code: string;
}

function notebookSnippets(): Snippet[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  return [...readme.matchAll(/<!-- notebook: ([\w-]+) -->\n```(sh|sql)\n([\s\S]*?)```/g)].map(([, question, language, code]) => ({
    question,
    language: language as Snippet['language'],
    code,
  }));
}

/** A snippet's answer: rows of values, numbers as numbers, everything else as text. */
type Answer = (string | number)[][];

function normalized(value: unknown): string | number {
  const text = String(value);
  return text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
}

/** `streamflow a "b c"` → ['a', 'b c']: the snippets quote with double quotes only. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]);
}

/** Runs each `streamflow …` line in `folder` against its warehouse; the answer is the last one's CSV output. */
async function runShell(code: string, folder: string): Promise<Answer> {
  let stdout = '';
  const previous = process.cwd();
  process.chdir(folder);
  try {
    for (const line of code.split('\n').filter((text) => text.trim() !== '')) {
      const [command, ...args] = words(line);
      expect(command).toBe('streamflow');
      const result = await cli('--warehouse', 'warehouse', ...args);
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
      stdout = result.stdout;
    }
  } finally {
    process.chdir(previous);
  }
  const [, ...rows] = stdout
    .trim()
    .split('\n')
    .filter((text) => text !== '');
  return rows.map((row) => row.split(',').map(normalized));
}

async function runSql(code: string, folder: string): Promise<Answer> {
  const previous = process.cwd();
  process.chdir(folder);
  const engine = await openEngine();
  try {
    return (await engine.rows(code)).map((row) => Object.values(row).map(normalized));
  } finally {
    engine.close();
    process.chdir(previous);
  }
}

function expectSameAnswer(actual: Answer, expected: Answer, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((row, index) =>
    row.forEach((value, column) => {
      const other = expected[index][column];
      if (typeof value === 'number' && typeof other === 'number') expect(value, label).toBeCloseTo(other, 9);
      else expect(value, label).toBe(other);
    }),
  );
}

describe.runIf(requirePrerequisite(REAL_EXPORTS))('README "Explore in a notebook" on the real exports', () => {
  const folder = tempDir();
  const snippets = notebookSnippets();
  const questions = [...new Set(snippets.map((snippet) => snippet.question))];

  beforeAll(async () => {
    realWarehouse('february', path.join(folder, 'warehouse'));
  });

  it('asks four questions, each both through streamflow and in plain SQL', () => {
    expect(questions).toEqual(['every-snapshot', 'churn-rate', 'fee-changes', 'means-by-label']);
    for (const question of questions) {
      expect(
        snippets
          .filter((snippet) => snippet.question === question)
          .map((snippet) => snippet.language)
          .sort(),
      ).toEqual(['sh', 'sql']);
    }
  });

  it.each(['every-snapshot', 'churn-rate', 'fee-changes', 'means-by-label'])('%s: every snippet runs and they agree', async (question) => {
    const answers: Answer[] = [];
    for (const snippet of snippets.filter((candidate) => candidate.question === question)) {
      answers.push(snippet.language === 'sh' ? await runShell(snippet.code, folder) : await runSql(snippet.code, folder));
    }
    for (const answer of answers.slice(1)) expectSameAnswer(answer, answers[0], question);
    if (question === 'churn-rate')
      expectSameAnswer(
        answers[0],
        [
          ['2024-01-31', 1869 / 7043],
          ['2024-02-29', 1701 / 7043],
        ],
        question,
      );
    if (question === 'fee-changes') expect(answers[0]).toEqual([]); // the two real months have identical subscriptions
    if (question === 'means-by-label') expect(answers[0].map((row) => row[0])).toEqual(['false', 'true']);
    // Six tables, two months, 7,043 users each: every row once, the manifests' _manifest.json never read as data.
    if (question === 'every-snapshot')
      expect(answers[0]).toEqual(
        CHURN.tables
          .map((t) => t.name)
          .flatMap((table) => [
            [table, '2024-01-31', 7043],
            [table, '2024-02-29', 7043],
          ])
          .sort(),
      );
  });
});
