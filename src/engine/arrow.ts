// Arrow IPC from a query with the query's own column types: DATE stays a date, DECIMAL a
// 128-bit decimal of the same precision and scale, BOOLEAN, INTEGER, BIGINT, DOUBLE,
// TIMESTAMP and VARCHAR their Arrow equivalents. (Going through JSON would make DATEs
// strings and DECIMALs floats.) apache-arrow is loaded only here: ~50 ms of start-up.
import type { Engine } from './duckdb';
import { quoteIdent } from './duckdb';

type Arrow = typeof import('apache-arrow');

interface ColumnPlan {
  readonly name: string;
  /** What DuckDB hands JavaScript for the column: a number, string or boolean the builder takes. */
  readonly valueSql: string;
  readonly arrowType: InstanceType<Arrow['DataType']>;
  readonly toArrow: (value: unknown) => unknown;
}

const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;

/** The 128-bit two's complement words (little-endian) of a decimal written with `scale` fraction digits. */
function decimalWords(text: string, scale: number): Uint32Array {
  const [whole, fraction = ''] = text.split('.');
  const unscaled = BigInt.asUintN(128, BigInt(`${whole}${fraction.padEnd(scale, '0')}`));
  return Uint32Array.from({ length: 4 }, (_, word) => Number((unscaled >> BigInt(32 * word)) & 0xffffffffn));
}

function columnPlan(arrow: Arrow, name: string, duckdbType: string): ColumnPlan {
  const column = quoteIdent(name);
  const same = (value: unknown) => value;
  const decimal = DECIMAL.exec(duckdbType);
  if (decimal) {
    const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
    return { name, valueSql: `${column}::VARCHAR`, arrowType: new arrow.Decimal(scale, precision, 128), toArrow: (value) => decimalWords(value as string, scale) };
  }
  switch (duckdbType) {
    case 'VARCHAR':
      return { name, valueSql: column, arrowType: new arrow.Utf8(), toArrow: same };
    case 'BOOLEAN':
      return { name, valueSql: column, arrowType: new arrow.Bool(), toArrow: same };
    case 'INTEGER':
      return { name, valueSql: column, arrowType: new arrow.Int32(), toArrow: same };
    case 'BIGINT':
      return { name, valueSql: `${column}::VARCHAR`, arrowType: new arrow.Int64(), toArrow: (value) => BigInt(value as string) };
    case 'DOUBLE':
      return { name, valueSql: column, arrowType: new arrow.Float64(), toArrow: same };
    // Arrow's builders take dates and timestamps as epoch milliseconds.
    case 'DATE':
      return { name, valueSql: `epoch_ms(${column}::TIMESTAMP)`, arrowType: new arrow.DateDay(), toArrow: same };
    case 'TIMESTAMP':
      return { name, valueSql: `epoch_ms(${column})`, arrowType: new arrow.TimestampMicrosecond(), toArrow: same };
    default:
      throw new Error(`no Arrow mapping for column ${name} of type ${duckdbType}`);
  }
}

/** The rows of `sql` (in its order) as an Arrow IPC file: the same rows give the same bytes. */
export async function queryToArrowIpc(engine: Engine, sql: string): Promise<Uint8Array> {
  const arrow = await import('apache-arrow');
  const described = await engine.rows<{ column_name: string; column_type: string }>(`DESCRIBE ${sql}`);
  const plans = described.map((column) => columnPlan(arrow, column.column_name, column.column_type));
  const rows = await engine.rows(`SELECT ${plans.map((plan) => `${plan.valueSql} AS ${quoteIdent(plan.name)}`).join(', ')} FROM (${sql})`);
  const vectors: Record<string, InstanceType<Arrow['Vector']>> = {};
  for (const plan of plans) {
    const builder = arrow.makeBuilder({ type: plan.arrowType, nullValues: [null] });
    for (const row of rows) builder.append(row[plan.name] === null ? null : plan.toArrow(row[plan.name]));
    vectors[plan.name] = builder.finish().toVector();
  }
  return arrow.tableToIPC(new arrow.Table(vectors), 'file');
}
