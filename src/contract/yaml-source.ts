// A YAML file read with its positions kept (yaml's parseDocument and a LineCounter), so
// that everything wrong in it can be reported as `file:line:column: what; expected what`
// (ContractError): a syntax error, a zod schema's issue, or a check made on the values
// after parsing, each through the path of keys and indexes that leads to the value.
import * as fs from 'node:fs';
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar } from 'yaml';
import type { z } from 'zod';
import { ContractError, type Position } from './errors';

/** Keys and list indexes from the document's root to a value. */
export type YamlPath = readonly (string | number)[];

interface Located {
  /** The node at the end of the path, or the nearest ancestor there is. */
  readonly node: Node | undefined;
  /** The key of the path's last step, when the whole path exists and ends in a mapping key. */
  readonly key: Node | undefined;
  /** How much of the path exists. */
  readonly depth: number;
}

/** Text as a message quotes it: short, on one line. */
export function quoted(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** "a, b or c". */
export function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  return shown.length <= 1 ? (shown[0] ?? 'nothing') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** Levenshtein distance, for "did you mean" lists. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/** The known names nearest to `name`, nearest first: those it begins, then by case-insensitive edit distance. */
export function nearest(name: string, known: readonly string[], count = 3): string[] {
  const lower = name.toLowerCase();
  return [...known]
    .map((candidate) => ({ candidate, prefix: candidate.toLowerCase().startsWith(lower) ? 0 : 1, distance: distance(lower, candidate.toLowerCase()) }))
    .sort((a, b) => a.prefix - b.prefix || a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, count)
    .map((entry) => entry.candidate);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'nothing',
};

function typeName(expected: unknown): string {
  return TYPE_NAMES[String(expected)] ?? String(expected);
}

type Issue = z.core.$ZodIssue;

/** What an issue's value should have been, in words. */
function expectation(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return typeName(issue.expected);
    case 'invalid_value':
      return issue.values.length === 1 ? oneOf(issue.values) : `one of ${oneOf(issue.values)}`;
    case 'invalid_union': {
      const branches = issue.errors.map((errors) => (errors[0] ? expectation(errors[0]) : 'another value'));
      return [...new Set(branches)].join(' or ');
    }
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'set') return `at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'a non-empty text' : `at least ${issue.minimum} characters`;
      return `a number ${issue.inclusive ? '≥' : '>'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'set') return `at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `at most ${issue.maximum} characters`;
      return `a number ${issue.inclusive ? '≤' : '<'} ${issue.maximum}`;
    default:
      return 'a valid value';
  }
}

/** The name a message gives the value at the end of `path`. */
function nameOf(path: YamlPath): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the document';
  if (typeof last === 'number') {
    const owner = path[path.length - 2];
    return `item ${last + 1}${owner === undefined ? '' : ` of "${String(owner)}"`}`;
  }
  return `"${last}"`;
}

/** The keys a (zod 4) schema's object at `path` declares, for an unknown key's message. */
function declaredKeys(schema: z.ZodType, path: YamlPath): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definitions, which are typed per class.
  let current: any = schema;
  const unwrap = () => {
    while (current && ['optional', 'nullable', 'default', 'pipe', 'readonly'].includes(current._zod?.def?.type)) {
      current = current._zod.def.type === 'pipe' ? current._zod.def.in : current._zod.def.innerType;
    }
  };
  for (const step of path) {
    unwrap();
    const def = current?._zod?.def;
    if (def?.type === 'object') current = def.shape[step];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else return [];
  }
  unwrap();
  const def = current?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

/** Where an embedded document's line and column are in the file holding it. */
type PositionMap = (inner: Position) => Position;

export class YamlSource {
  /** The document as plain values (YAML 1.2 core: dates stay text). */
  readonly data: unknown;

  private constructor(
    /** The file as messages name it. */
    readonly file: string,
    private readonly text: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly outer: PositionMap,
  ) {
    this.data = doc.toJS({ maxAliasCount: 1000 });
  }

  /** Parses `text` as the content of `file`; a syntax error is thrown at its place. */
  static parse(file: string, text: string, outer: PositionMap = (position) => position): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const problem = doc.errors[0];
    if (problem) {
      const position = outer(lines.linePos(problem.pos[0]));
      const what = problem.message.split('\n')[0].replace(/\.$/, '');
      const expected =
        problem.code === 'DUPLICATE_KEY'
          ? 'each key once in a mapping'
          : 'valid YAML (a mapping of keys, lists in `- ` items or [ ], text quoted when it holds : or #)';
      throw new ContractError(file, position, `YAML syntax error: ${what}`, expected);
    }
    return new YamlSource(file, text, doc, lines, outer);
  }

  /** Reads and parses `file`; `shownAs` is how messages name it (default: the path given). */
  static read(file: string, shownAs = file): YamlSource {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ContractError(
        shownAs,
        undefined,
        code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(error)})`,
        'a readable YAML file',
      );
    }
    return YamlSource.parse(shownAs, text);
  }

  /** The plain value at `path`, undefined when there is none. */
  get(path: YamlPath): unknown {
    let current: unknown = this.data;
    for (const step of path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string | number, unknown>)[step];
    }
    return current;
  }

  private locate(path: YamlPath): Located {
    let node: Node | undefined = (this.doc.contents as Node | null) ?? undefined;
    let key: Node | undefined;
    let depth = 0;
    for (const step of path) {
      let next: Node | undefined;
      let nextKey: Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && (isScalar(item.key) ? item.key.value : item.key) === step);
        if (pair) {
          nextKey = (pair.key as Node | null) ?? undefined;
          next = (pair.value as Node | null) ?? nextKey;
        }
      } else if (isSeq(node) && typeof step === 'number') {
        next = (node.items[step] as Node | undefined) ?? undefined;
      }
      // An alias stands for its anchor's node: a problem is shown where the text is.
      if (isAlias(next)) next = (next.resolve(this.doc) as Node | undefined) ?? next;
      if (!next) break;
      node = next;
      key = nextKey;
      depth++;
    }
    return { node, key: depth === path.length ? key : undefined, depth };
  }

  private positionOf(node: Node | undefined): Position {
    const offset = node?.range?.[0];
    return this.outer(offset === undefined ? { line: 1, col: 1 } : this.lines.linePos(offset));
  }

  /** Where the value at `path` is (its key's place with `key`); the nearest ancestor's when the path goes further than the file. */
  at(path: YamlPath, options: { readonly key?: boolean } = {}): Position {
    const located = this.locate(path);
    return this.positionOf(options.key && located.key ? located.key : located.node);
  }

  has(path: YamlPath): boolean {
    return this.locate(path).depth === path.length;
  }

  error(path: YamlPath, problem: string, expected: string, options: { readonly key?: boolean } = {}): ContractError {
    return new ContractError(this.file, this.at(path, options), problem, expected);
  }

  /** A required value that is not there: reported at the mapping that lacks it. */
  missing(path: YamlPath, expected: string): ContractError {
    return this.error(path, `missing required field "${String(path[path.length - 1])}"`, expected);
  }

  /**
   * The value at `path` parsed with `schema`; the first issue is thrown at its place. A
   * message of the schema's own (refine, regex) is written `what is wrong; expected what`.
   */
  parseWith<T>(schema: z.ZodType<T>, path: YamlPath = [], value: unknown = this.get(path)): T {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data;
    throw this.issueError(schema, path, result.error.issues[0]);
  }

  private issueError(schema: z.ZodType, base: YamlPath, issue: Issue): ContractError {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      const known = declaredKeys(schema, issue.path as (string | number)[]);
      return this.error([...path, issue.keys[0]], `unknown key "${issue.keys[0]}"`, known.length ? `one of ${oneOf(known)}` : 'no other key', { key: true });
    }
    // A message of the schema's own (a refinement, a regex's error) says both parts.
    if (issue.message.includes('; expected ')) {
      const [problem, expected] = issue.message.split('; expected ');
      return this.error(path, problem, expected);
    }
    if (issue.input === undefined && !this.has(path)) return this.missing(path, expectation(issue));
    return this.error(path, `${nameOf(path)} is ${quoted(issue.input)}`, expectation(issue));
  }

  /**
   * A text block (`implementation: |`) read as a YAML document of its own, its positions
   * mapped back into this file; a mapping written in place is returned as it is, at its path.
   */
  embedded(path: YamlPath): { readonly source: YamlSource; readonly path: YamlPath } {
    const value = this.get(path);
    if (typeof value !== 'string') return { source: this, path };
    const { node } = this.locate(path);
    const start = this.positionOf(node);
    let outer: PositionMap = () => start;
    if (node instanceof Scalar && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) && node.range) {
      // The content starts on the line after the `|` header, indented as its first non-blank line.
      const header = this.lines.linePos(node.range[0]);
      const text = this.lineText(header.line + 1, node.range[1]);
      const indent = /^( *)/.exec(text)?.[1].length ?? 0;
      outer = (inner) => this.outer({ line: header.line + inner.line, col: indent + inner.col });
    } else if (node instanceof Scalar && node.range) {
      // Quoted or plain text on one line: columns count from after the opening quote.
      const quote = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
      const first = this.lines.linePos(node.range[0]);
      outer = (inner) => (inner.line === 1 ? this.outer({ line: first.line, col: first.col + quote + inner.col - 1 }) : start);
    }
    return { source: YamlSource.parse(this.file, value, outer), path: [] };
  }

  /** The first non-blank line of the source from `line` on, before offset `end`. */
  private lineText(line: number, end: number): string {
    const source = this.text;
    const starts = this.lines.lineStarts;
    for (let current = line; current <= starts.length; current++) {
      const from = starts[current - 1];
      if (from === undefined || from >= end) break;
      const to = starts[current] ?? source.length;
      const text = source.slice(from, to).replace(/\r?\n$/, '');
      if (text.trim() !== '') return text;
    }
    return '';
  }
}
