// The expectation catalogue as a registry the compiler checks (issue 29): each type is
// one module of src/contract/expectations/, the only place under src/ besides the
// registry that names it, and a type that misses a part, or the registry's entry, does
// not compile.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EXPECTATION_TYPES } from '../src/contract/expectations/registry';
import { REPO } from './paths';

const FOLDER = path.join(REPO, 'src', 'contract', 'expectations');
const REGISTRY = path.join(FOLDER, 'registry.ts');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(file) : [file];
  });
}

describe('one expectation, one module', () => {
  it('names every type of the registry in exactly one module under src/ besides the registry, in the expectations folder', () => {
    expect(EXPECTATION_TYPES.length).toBeGreaterThanOrEqual(24);
    const texts = filesUnder(path.join(REPO, 'src'))
      .filter((file) => file !== REGISTRY)
      .map((file) => ({ file: path.relative(REPO, file), text: fs.readFileSync(file, 'utf8') }));
    const namedIn = Object.fromEntries(
      EXPECTATION_TYPES.map((type) => [type, texts.filter(({ text }) => new RegExp(`\\b${type}\\b`).test(text)).map(({ file }) => file)]),
    );
    const expected = Object.fromEntries(
      EXPECTATION_TYPES.map((type) => [type, [`src/contract/expectations/${type.replace(/^expect_/, '').replaceAll('_', '-')}.ts`]]),
    );
    expect(namedIn).toEqual(expected);
  });
});

/** A throwaway type in the folder: complete, or with one part left out. */
function throwawayModule(type: string, constant: string, leftOut?: string): string {
  const parts: Record<string, string> = {
    kwargs: 'kwargs(column)',
    describe: "() => 'values are throwaway'",
    sql: '(args, target) => rowExpectation(target, args.row_condition, { column: args.column, unexpected: quoteIdent(args.column) + " = \'x\'", ignoresNulls: true })',
    verdict: 'BY_UNEXPECTED_ROWS',
    comparesMonths: 'false',
    wording: '{}',
  };
  return `import { BY_UNEXPECTED_ROWS, define } from './definition';
import { column, kwargs } from './kwargs';
import type { Column } from './terms';
import { quoteIdent, rowExpectation } from './sql';
declare module './definition' {
  interface KwargsByType {
    ${type}: Column;
  }
}
export const ${constant} = define('${type}', {
${Object.entries(parts)
  .filter(([part]) => part !== leftOut)
  .map(([part, value]) => `  ${part}: ${value},`)
  .join('\n')}
});
`;
}

const PARTS = ['kwargs', 'describe', 'sql', 'verdict', 'comparesMonths', 'wording'];

/** The registry with these modules' entries added. */
function registryWith(constants: readonly string[]): string {
  const text = fs.readFileSync(REGISTRY, 'utf8');
  const imports = constants.map((constant) => `import { ${constant} } from './${constant}';\n`).join('');
  const entries = constants.map((constant) => `  [${constant}.type]: ${constant},\n`).join('');
  return imports + text.replace('} satisfies {', `${entries}} satisfies {`);
}

/** The compiler's options for the folder alone: it needs no node types, and skipping them keeps the check to a few seconds. */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ['lib.es2022.d.ts'],
  types: [],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
};

/** tsc over the registry with the throwaway modules beside it (in memory): its errors, by file. */
function compile(modules: Record<string, string>, registry: string): Record<string, string[]> {
  const files = new Map([...Object.entries(modules).map(([name, text]) => [path.join(FOLDER, `${name}.ts`), text] as const), [REGISTRY, registry]]);
  const host = ts.createCompilerHost(OPTIONS);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => files.has(path.resolve(file)) || fileExists(file);
  host.readFile = (file) => files.get(path.resolve(file)) ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = files.get(path.resolve(file));
    return text === undefined ? getSourceFile(file, language, ...rest) : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options: OPTIONS, host });
  const errors: Record<string, string[]> = {};
  for (const file of files.keys()) {
    const diagnostics = program.getSemanticDiagnostics(program.getSourceFile(file));
    if (diagnostics.length > 0) errors[path.basename(file, '.ts')] = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  return errors;
}

describe('the registry is checked by the compiler', () => {
  it('a complete throwaway type in the registry compiles; one without a part, or without its entry, does not', () => {
    const lacking = Object.fromEntries(
      PARTS.map((part) => [`lacking_${part}`, throwawayModule(`expect_column_values_to_lack_${part.toLowerCase()}`, `lacking_${part}`, part)]),
    );
    const errors = compile(
      {
        complete: throwawayModule('expect_column_values_to_be_throwaway', 'complete'),
        ...lacking,
        unregistered: throwawayModule('expect_column_values_to_be_unregistered', 'unregistered'),
      },
      registryWith(['complete', ...Object.keys(lacking)]),
    );
    // The complete type and the unregistered one compile on their own; the registry misses the latter (its errors all name it).
    expect(errors.complete).toBeUndefined();
    expect(errors.unregistered).toBeUndefined();
    expect(errors.registry[0]).toMatch(/Property 'expect_column_values_to_be_unregistered' is missing/);
    for (const error of errors.registry) expect(error).toContain("'expect_column_values_to_be_unregistered'");
    for (const part of PARTS) expect(errors[`lacking_${part}`]?.join('\n'), part).toMatch(new RegExp(`Property '${part}' is missing`));
  }, 30_000);
});
