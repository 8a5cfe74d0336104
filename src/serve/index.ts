// `serve`: the feature views of the newest frozen month over HTTP, in Feast's feature-server
// protocol (protocol.ts), from vectors the training set's own join made (vectors.ts).
//
// A freeze is picked up without a restart: the database file is watched, the new month's
// vectors are built beside the served ones, and one assignment swaps them in. A request
// reads the current set once, so every answer comes from one set, named in its
// x-streamflow-as-of header; a request in flight during the swap finishes on the old set.
import { timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Contract } from '../contract/contract';
import { InvocationError } from '../errors';
import type { WarehouseLayout } from '../warehouse/layout';
import { answer, BadRequest, featureServices, MAX_ENTITIES, type OnlineFeaturesRequest, REQUEST_SCHEMA } from './protocol';
import { loadOnlineVectors, type OnlineVectors } from './vectors';

export interface ServeOptions {
  readonly layout: WarehouseLayout;
  readonly contract: Contract;
  readonly host: string;
  /** 0: any free port (tests). */
  readonly port: number;
  /** Clients must send `Authorization: Bearer <token>` (all but GET /health). */
  readonly token?: string;
  /** A fixed clock for the ttls, in ms (--now); undefined: each request's own time. */
  readonly nowMs?: number;
  /** How often the database file is looked at for a new freeze. */
  readonly pollMs: number;
  readonly limits: { readonly threads?: number; readonly memoryLimit?: string };
  readonly log: (message: string) => void;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  /** The vectors answering now. */
  current(): OnlineVectors;
  close(): Promise<void>;
}

/** The response header naming the set of snapshots an answer came from. */
export const AS_OF_HEADER = 'x-streamflow-as-of';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Refuses to listen beyond this machine without a token: feature values are the users' data. */
export function checkExposure(host: string, token: string | undefined): void {
  if (!LOOPBACK.test(host) && (token === undefined || token === '')) {
    throw new InvocationError(`--host ${host} is reachable from other machines: give --token (or STREAMFLOW_SERVE_TOKEN) so that callers must present it`);
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What changes when a run commits: the database file and its write-ahead log. */
function databaseStamp(layout: WarehouseLayout): string {
  return [layout.database, `${layout.database}.wal`]
    .map((file) => {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      return stat ? `${stat.mtimeMs}:${stat.size}` : '-';
    })
    .join('|');
}

function buildApp(options: ServeOptions, current: () => OnlineVectors): FastifyInstance {
  // Loaded on first use, as pg is: the other commands never pay for the framework's start-up.
  const { default: Fastify } = require('fastify') as typeof import('fastify');
  // Types as sent: a number where an entity key's text belongs is a 400, not coerced.
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: false, removeAdditional: false } } });
  // Feast's callers often post JSON without a JSON content type (`curl -d`): any body is read as JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    if (options.token === undefined || request.url === '/health') return;
    if (!tokenMatches(request.headers.authorization, options.token))
      await reply.code(401).send({ error: 'missing or wrong bearer token (Authorization: Bearer …)' });
  });
  app.setErrorHandler(async (error: Error & { statusCode?: number; validation?: unknown }, _request, reply) => {
    if (error instanceof BadRequest || error.validation !== undefined || (error.statusCode !== undefined && error.statusCode < 500)) {
      return reply.code(error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 400).send({ error: error.message });
    }
    options.log(`serve: internal error answering a request: ${error.stack ?? error.message}`);
    return reply.code(500).send({ error: 'internal error' });
  });

  app.get('/health', async (_request, reply) => {
    const { asOf } = current();
    return reply.header(AS_OF_HEADER, asOf).send({ status: 'ok', as_of: asOf });
  });
  app.get('/feature-views', async (_request, reply) => {
    const vectors = current();
    return reply.header(AS_OF_HEADER, vectors.asOf).send({
      as_of: vectors.asOf,
      entities: vectors.entities,
      max_entities_per_request: MAX_ENTITIES,
      feature_views: vectors.views.map(({ view, asOf }) => ({
        name: view.name,
        entity: vectors.entityKey,
        features: view.features,
        ttl: view.ttl,
        default: view.default,
        as_of: asOf,
      })),
      feature_services: featureServices(vectors),
    });
  });
  app.post<{ Body: OnlineFeaturesRequest }>('/get-online-features', { schema: { body: REQUEST_SCHEMA } }, async (request, reply) => {
    const vectors = current();
    const body = answer(request.body, vectors, options.nowMs ?? Date.now());
    return reply.header(AS_OF_HEADER, vectors.asOf).send(body);
  });
  return app;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  checkExposure(options.host, options.token);
  let stamp = databaseStamp(options.layout);
  let vectors = await loadOnlineVectors(options.layout, options.contract, options.limits);
  const app = buildApp(options, () => vectors);

  // A new freeze: the vectors are built while the old ones answer, then swapped in one step.
  // A read that meets a run still writing fails and is tried again at the next look.
  let loading = false;
  const look = async () => {
    const seen = databaseStamp(options.layout);
    if (loading || seen === stamp) return;
    loading = true;
    try {
      const next = await loadOnlineVectors(options.layout, options.contract, options.limits, vectors);
      stamp = seen;
      if (next !== vectors) {
        // A request is answered without awaiting (protocol.ts answer), so none is reading the old set now.
        const old = vectors;
        vectors = next;
        old.close();
        void next.warm();
        options.log(`serve: now answering from as_of ${next.asOf} (${next.entities} entities)`);
      }
    } catch (error) {
      options.log(`serve: a new freeze could not be read yet, still answering from as_of ${vectors.asOf}: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      loading = false;
    }
  };
  const timer = setInterval(() => void look(), options.pollMs);
  void vectors.warm();

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    current: () => vectors,
    close: async () => {
      clearInterval(timer);
      await app.close();
      vectors.close();
    },
  };
}
