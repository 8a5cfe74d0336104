// A typed engine result (Engine.columns) as an Arrow table, each column keeping the type the
// engine gave it: DATE → Date32 (DateDay), DECIMAL(p,s) → Decimal128(p,s), BIGINT → Int64,
// INTEGER → Int32, TIMESTAMP → Timestamp(µs), BOOLEAN → Bool, VARCHAR → Utf8; NULL stays NULL.
// apache-arrow is loaded only here, on first use, as it costs ~50 ms of start-up.
import type * as Arrow from 'apache-arrow';
import type { ColumnType, ResultColumn } from './duckdb';

type ArrowModule = typeof Arrow;

const MS_PER_DAY = 86_400_000;

function arrowType(arrow: ArrowModule, type: ColumnType): Arrow.DataType {
  switch (type.kind) {
    case 'boolean':
      return new arrow.Bool();
    case 'int8':
      return new arrow.Int8();
    case 'int16':
      return new arrow.Int16();
    case 'int32':
      return new arrow.Int32();
    case 'int64':
      return new arrow.Int64();
    case 'float64':
      return new arrow.Float64();
    case 'decimal':
      return new arrow.Decimal(type.scale!, type.precision!, 128);
    case 'date':
      return new arrow.DateDay();
    case 'timestamp':
      return new arrow.TimestampMicrosecond(type.timezone ?? null);
    case 'json':
    case 'text':
      return new arrow.Utf8();
  }
}

/** A 128-bit two's-complement integer as four little-endian 32-bit words, Arrow's Decimal128 layout. */
function decimalWords(value: bigint): Uint32Array {
  const words = new Uint32Array(4);
  let rest = BigInt.asUintN(128, value);
  for (let index = 0; index < 4; index += 1) {
    words[index] = Number(rest & 0xffffffffn);
    rest >>= 32n;
  }
  return words;
}

/** Arrow's validity bitmap: bit i set when value i is not NULL. */
function validity(values: readonly unknown[]): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((value, index) => {
    if (value !== null) bitmap[index >> 3] |= 1 << (index & 7);
  });
  return bitmap;
}

function columnData(arrow: ArrowModule, column: ResultColumn, type: Arrow.DataType): Arrow.Data {
  const { values } = column;
  switch (column.type.kind) {
    case 'timestamp': {
      // The builder takes milliseconds; microseconds go in as they are.
      const micros = BigInt64Array.from(values, (value) => (value === null ? 0n : (value as bigint)));
      const nullCount = values.filter((value) => value === null).length;
      return arrow.makeData({ type: type as Arrow.TimestampMicrosecond, length: values.length, nullCount, nullBitmap: validity(values), data: micros });
    }
    case 'decimal':
      return arrow.vectorFromArray(
        values.map((value) => (value === null ? null : decimalWords(value as bigint))),
        type,
      ).data[0];
    case 'date':
      return arrow.vectorFromArray(
        values.map((value) => (value === null ? null : (value as number) * MS_PER_DAY)),
        type,
      ).data[0];
    default:
      return arrow.vectorFromArray(values, type).data[0];
  }
}

/** A typed result as one Arrow record batch, columns in their result order. */
export async function arrowBatch(columns: readonly ResultColumn[]): Promise<Arrow.RecordBatch> {
  const arrow = await import('apache-arrow');
  const types = columns.map((column) => arrowType(arrow, column.type));
  const fields = columns.map((column, index) => new arrow.Field(column.name, types[index], true));
  const length = columns[0]?.values.length ?? 0;
  const children = columns.map((column, index) => columnData(arrow, column, types[index]));
  return new arrow.RecordBatch(new arrow.Schema(fields), arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children }));
}

/** A typed result as an Arrow table (of one batch). */
export async function arrowTable(columns: readonly ResultColumn[]): Promise<Arrow.Table> {
  const arrow = await import('apache-arrow');
  return new arrow.Table([await arrowBatch(columns)]);
}

/** Arrow IPC (stream format) of a typed result, columns in their result order. */
export async function arrowIpc(columns: readonly ResultColumn[]): Promise<Uint8Array> {
  const arrow = await import('apache-arrow');
  return arrow.tableToIPC(await arrowTable(columns), 'stream');
}
