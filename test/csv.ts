// A fixture CSV as header and rows of fields, for tests that corrupt or read an export:
// plain files only (no quotes, LF line ends, a final newline), as the exports are.
import * as fs from 'node:fs';

export class Csv {
  constructor(
    readonly header: string[],
    readonly rows: string[][],
  ) {}

  static parse(text: string): Csv {
    const [header, ...lines] = text.replace(/\n$/, '').split('\n');
    return new Csv(
      header.split(','),
      lines.map((line) => line.split(',')),
    );
  }

  static read(file: string): Csv {
    return Csv.parse(fs.readFileSync(file, 'utf8'));
  }

  /** The CSV line of a data row (the header is line 1). */
  static line(row: number): number {
    return row + 2;
  }

  index(column: string): number {
    const index = this.header.indexOf(column);
    if (index < 0) throw new Error(`no column ${column}`);
    return index;
  }

  get(row: number, column: string): string {
    return this.rows[row][this.index(column)];
  }

  /** Sets one cell; returns its CSV line. */
  set(row: number, column: string, value: string): number {
    this.rows[row][this.index(column)] = value;
    return Csv.line(row);
  }

  /** The first row (its index) for which `predicate` holds. */
  find(predicate: (row: number) => boolean): number {
    const row = this.rows.findIndex((_, index) => predicate(index));
    if (row < 0) throw new Error('no such row');
    return row;
  }

  /** Lines in file order, header first, without line ends. */
  lines(): string[] {
    return [this.header, ...this.rows].map((fields) => fields.join(','));
  }

  toString(): string {
    return `${this.lines().join('\n')}\n`;
  }

  write(file: string): void {
    fs.writeFileSync(file, this.toString());
  }
}
