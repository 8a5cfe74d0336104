// Feast's feature-server JSON protocol (`POST /get-online-features`), so that existing
// Feast HTTP callers work unchanged: the request names features as `view:feature` (or a
// feature service) and the entities as `{key: [values…]}`; the answer has one result per
// name in `metadata.feature_names` (the entity key first), each with a value, a status and
// an event timestamp per entity. Values are JSON as DuckDB writes them: numbers (DECIMAL
// included), booleans, text, DATE as `YYYY-MM-DD`.
import type { OnlineVectors } from './vectors';

/** Most entities one request may ask for: a request is answered in one piece, on one thread. */
export const MAX_ENTITIES = 1000;

/**
 * Feature services: named lists of features, as Feast's. `default` is what a training set
 * carries without `--features` (the default views, every feature).
 */
export function featureServices(vectors: OnlineVectors): Record<string, readonly string[]> {
  const defaults = vectors.views.filter(({ view }) => view.default);
  return { default: defaults.flatMap(({ view }) => view.features.map((feature) => `${view.name}:${feature}`)) };
}

/** The request body, as the JSON schema below admits it. */
export interface OnlineFeaturesRequest {
  readonly features?: readonly string[];
  readonly feature_service?: string;
  readonly entities: Readonly<Record<string, readonly string[]>>;
  readonly full_feature_names?: boolean;
}

/** Fastify's schema for the body: shapes and types, each failure named by its field. */
export const REQUEST_SCHEMA = {
  type: 'object',
  required: ['entities'],
  additionalProperties: false,
  properties: {
    features: { type: 'array', minItems: 1, items: { type: 'string' } },
    feature_service: { type: 'string' },
    entities: {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: { type: 'array', minItems: 1, maxItems: MAX_ENTITIES, items: { type: 'string' } },
    },
    full_feature_names: { type: 'boolean' },
  },
} as const;

/** A request the server understood but cannot answer: 400 with this message. */
export class BadRequest extends Error {}

export type FieldStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE';

interface FeatureVector {
  readonly values: unknown[];
  readonly statuses: FieldStatus[];
  readonly event_timestamps: string[];
}

export interface OnlineFeaturesResponse {
  readonly metadata: { readonly feature_names: string[] };
  readonly results: FeatureVector[];
}

/** Where a requested feature sits in a vector: its view's entry, and its place there. */
interface FeatureSlot {
  readonly name: string;
  readonly view: number;
  readonly feature: number;
}

/** Feast writes the epoch for a value it has no timestamp for (the entity key, a NOT_FOUND). */
const NO_TIMESTAMP = '1970-01-01T00:00:00Z';

function featureSlots(request: OnlineFeaturesRequest, vectors: OnlineVectors): FeatureSlot[] {
  const services = featureServices(vectors);
  const views = vectors.views.map(({ view }) => view);
  if ((request.features === undefined) === (request.feature_service === undefined)) {
    throw new BadRequest('give exactly one of features (a list of "view:feature") or feature_service');
  }
  let references = request.features;
  if (references === undefined) {
    references = services[request.feature_service!];
    if (references === undefined) {
      throw new BadRequest(
        `feature_service: unknown feature service ${JSON.stringify(request.feature_service)}; services: ${Object.keys(services).join(', ')}`,
      );
    }
  }
  return references.map((reference, index) => {
    const [viewName, feature, ...rest] = reference.split(':');
    if (feature === undefined || rest.length > 0 || viewName === '' || feature === '') {
      throw new BadRequest(`features[${index}]: ${JSON.stringify(reference)} is not of the form "view:feature"`);
    }
    const view = views.findIndex((candidate) => candidate.name === viewName);
    if (view < 0) {
      throw new BadRequest(`features[${index}]: unknown feature view ${JSON.stringify(viewName)}; views: ${views.map((known) => known.name).join(', ')}`);
    }
    const position = views[view].features.indexOf(feature);
    if (position < 0) {
      throw new BadRequest(
        `features[${index}]: feature view ${viewName} has no feature ${JSON.stringify(feature)}; its features: ${views[view].features.join(', ')}`,
      );
    }
    return { name: request.full_feature_names ? `${viewName}__${feature}` : feature, view, feature: position };
  });
}

function entityKeys(request: OnlineFeaturesRequest, entityKey: string): readonly string[] {
  const [[key, values]] = Object.entries(request.entities);
  if (key !== entityKey) throw new BadRequest(`entities: unknown entity key ${JSON.stringify(key)}; the feature views are keyed by ${entityKey}`);
  return values;
}

/** Answers a request from one set of vectors, with the clock `nowMs` for the views' ttls. */
export function answer(request: OnlineFeaturesRequest, vectors: OnlineVectors, nowMs: number): OnlineFeaturesResponse {
  const slots = featureSlots(request, vectors);
  const names = slots.map((slot) => slot.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new BadRequest(`features: ${duplicate} is asked for twice (full_feature_names: true tells views apart)`);
  const keys = entityKeys(request, vectors.entityKey);

  // Per view: whether its snapshot is too old for this request's clock, and its timestamp.
  const freshness = vectors.views.map(({ ttlMs, asOf }) => {
    const frozenMs = asOf === null ? Number.NaN : Date.parse(`${asOf}T00:00:00Z`);
    return { stale: ttlMs !== null && !(frozenMs >= nowMs - ttlMs), timestamp: asOf === null ? NO_TIMESTAMP : `${asOf}T00:00:00Z` };
  });
  const rows = keys.map((key) => {
    const text = vectors.vector(key);
    return text === undefined ? undefined : (JSON.parse(text) as (unknown[] | null)[]);
  });
  const results: FeatureVector[] = [
    { values: [...keys], statuses: keys.map(() => 'PRESENT'), event_timestamps: keys.map(() => NO_TIMESTAMP) },
    ...slots.map((slot) => {
      const vector: FeatureVector = { values: [], statuses: [], event_timestamps: [] };
      const { stale, timestamp } = freshness[slot.view];
      for (const row of rows) {
        const values = row?.[slot.view];
        if (values === undefined || values === null) {
          vector.values.push(null);
          vector.statuses.push('NOT_FOUND');
          vector.event_timestamps.push(NO_TIMESTAMP);
        } else if (stale) {
          vector.values.push(null);
          vector.statuses.push('OUTSIDE_MAX_AGE');
          vector.event_timestamps.push(timestamp);
        } else {
          const value = values[slot.feature];
          vector.values.push(value);
          vector.statuses.push(value === null ? 'NULL_VALUE' : 'PRESENT');
          vector.event_timestamps.push(timestamp);
        }
      }
      return vector;
    }),
  ];
  return { metadata: { feature_names: [vectors.entityKey, ...names] }, results };
}
