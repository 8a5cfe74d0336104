// Compiles one expectation into one SQL query over a staged table: its type's module
// (contract/expectations/) writes the SQL, given the staged relations validate keeps (the
// CSV headers, the month's metrics) and the key's SQL. Every query returns the same
// columns, so running and reporting are generic:
//   element_count, missing_count, unexpected_count, observed_value, samples
import type { ExpectationConfig } from '../contract/expectations';
import type { ExpectationDefinition, ExpectationType } from '../contract/expectations/definition';
import { definitionOf } from '../contract/expectations/registry';
import { type CompileContext, type CompiledExpectation, Params } from '../contract/expectations/sql';
import { HEADERS_TABLE } from '../load/headers';
import { keyJoinSql, keyStructSql, keyTextSql } from '../warehouse/keys';
import { COLUMN_METRICS_TABLE, TABLE_METRICS_TABLE } from './metrics/staging';

export type { CompileContext, CompiledExpectation } from '../contract/expectations/sql';

/** The definition of a config's type (the contract compiled it, so there is one). */
export function definitionOfConfig(config: ExpectationConfig): ExpectationDefinition<ExpectationType> {
  const definition = definitionOf(config.type);
  if (definition === undefined) throw new Error(`expectation ${config.type} cannot be compiled`);
  return definition;
}

export function compileExpectation(table: string, config: ExpectationConfig, context: CompileContext, paramPrefix = ''): CompiledExpectation {
  return definitionOfConfig(config).sql(config.kwargs, {
    table,
    params: new Params(paramPrefix),
    context: {
      ...context,
      headers: HEADERS_TABLE,
      columnMetrics: COLUMN_METRICS_TABLE,
      tableMetrics: TABLE_METRICS_TABLE,
      keySql: { join: keyJoinSql, text: keyTextSql, struct: keyStructSql },
    },
  });
}
