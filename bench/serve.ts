// The serving step of the bench (issue 27): `streamflow serve` on the generated warehouse,
// loaded with autocannon beside a do-nothing server on the same framework (Fastify),
// under the same load generator, in the same run. Each server runs as a process of its
// own; autocannon runs here. Figures: start until ready (spawn to the first 200 of
// /health), RSS once loaded, and per load (one entity a request, a hundred) the p99
// latency at a fixed rate and the rate reached, each beside the do-nothing server's.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { formatRatio, type Row, renderTable } from './table';

export const SERVING_TARGETS = { oneEntityP99VsNoop: 1.5, hundredEntitiesP99VsNoop: 3, ratePerSecond: 5000, readyMs: 5000 };

/**
 * Requests a second asked of both servers, held for `seconds`: one entity a request at the
 * issue's rate; a hundred at a tenth of it, 500 (50,000 vectors a second: a hundred-entity
 * answer costs ~0.4 ms of one core to build, and the load generator shares the two cores).
 */
const RATE_BY_ENTITIES: Readonly<Record<number, number>> = { 1: SERVING_TARGETS.ratePerSecond, 100: SERVING_TARGETS.ratePerSecond / 10 };
const CONNECTIONS = 10;

export interface ServingLoad {
  readonly server: 'serve' | 'noop';
  readonly entities: number;
  readonly requests: number;
  readonly errors: number;
  readonly non_2xx: number;
  readonly rate_per_second: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
}

export interface ServingSample {
  readonly ready_ms: number;
  readonly rss_mib: number;
  readonly entities_served: number;
  readonly loads: ServingLoad[];
  readonly ok: boolean;
  readonly error: string | null;
}

/** A Fastify server that answers every POST with a constant body: the floor of HTTP on this machine. */
const NOOP_SERVER = `
const fastify = require(${JSON.stringify(require.resolve('fastify'))})({ logger: false });
fastify.post('/get-online-features', async () => ({ metadata: { feature_names: [] }, results: [] }));
fastify.get('/health', async () => ({ status: 'ok' }));
fastify.listen({ host: '127.0.0.1', port: 0 }).then(() => process.stdout.write('answering at http://127.0.0.1:' + fastify.server.address().port + '\\n'));
`;

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly readyMs: number;
}

/** Spawns a server and waits for its "answering at <url>" line and a 200 from /health. */
async function startProcess(args: readonly string[], log: (message: string) => void): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const found = /answering at (http:\/\/[^\s;]+)/.exec(stdout);
      if (found) resolve(found[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code} before answering:\n${stderr.trim()}`)));
  });
  for (;;) {
    const health = await fetch(`${url}/health`).catch(() => undefined);
    if (health?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - started;
  log(`  ${path.basename(args[0])} ready at ${url} in ${(readyMs / 1000).toFixed(2)} s`);
  return { child, url, readyMs };
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One load: `entities` users a request (a rotating sample of `users`), at its rate for `seconds`. */
async function load(url: string, server: ServingLoad['server'], users: readonly string[], entities: number, seconds: number): Promise<ServingLoad> {
  const bodies = Array.from({ length: 64 }, (_, index) =>
    JSON.stringify({
      feature_service: 'default',
      entities: { user_id: Array.from({ length: entities }, (_, offset) => users[(index * entities + offset) % users.length]) },
    }),
  );
  let next = 0;
  const result = await autocannon({
    url: `${url}/get-online-features`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    overallRate: RATE_BY_ENTITIES[entities],
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          next = (next + 1) % bodies.length;
          return { ...request, body: bodies[next] };
        },
      },
    ],
  });
  return {
    server,
    entities,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non_2xx: result.non2xx,
    rate_per_second: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
  };
}

/**
 * Starts the do-nothing server and `serve` (its clock at the newest as_of, so that no view
 * is past its ttl), then loads each with one entity a request and with a hundred.
 */
export async function measureServing(
  cli: string,
  warehouse: string,
  { users, asOf, seconds, log }: { users: readonly string[]; asOf: string; seconds: number; log: (message: string) => void },
): Promise<ServingSample> {
  const noopFile = path.join(path.dirname(warehouse), 'noop-server.js');
  fs.writeFileSync(noopFile, NOOP_SERVER);
  const noop = await startProcess([noopFile], log);
  let serve: Started | undefined;
  try {
    serve = await startProcess([cli, '--quiet', '--warehouse', warehouse, 'serve', '--port', '0', '--now', asOf], log);
    const rss = rssMiB(serve.child.pid!);
    const loads: ServingLoad[] = [];
    for (const entities of [1, 100]) {
      for (const [name, url] of [
        ['noop', noop.url],
        ['serve', serve.url],
      ] as const) {
        const measured = await load(url, name, users, entities, seconds);
        log(`  ${name}, ${entities} entit${entities === 1 ? 'y' : 'ies'} a request: p99 ${measured.p99_ms} ms at ${Math.round(measured.rate_per_second)}/s`);
        loads.push(measured);
      }
    }
    const failed = loads.find((measured) => measured.errors > 0 || measured.non_2xx > 0);
    return {
      ready_ms: serve.readyMs,
      rss_mib: Math.max(rss, rssMiB(serve.child.pid!)),
      entities_served: users.length,
      loads,
      ok: failed === undefined,
      error: failed ? `${failed.server}: ${failed.errors} errors, ${failed.non_2xx} non-2xx answers` : null,
    };
  } finally {
    await stop(noop.child);
    if (serve) await stop(serve.child);
  }
}

/** The section of the report and its target lines. */
export function servingReport(sample: ServingSample): { table: string; checks: string[] } {
  const find = (server: ServingLoad['server'], entities: number) =>
    sample.loads.find((measured) => measured.server === server && measured.entities === entities)!;
  const rows: Row[] = [
    { section: `serving: ${sample.entities_served.toLocaleString('en')} users asked for, default feature service, over ${CONNECTIONS} connections` },
  ];
  const checks: string[] = [];
  const check = (label: string, ok: boolean, text: string) =>
    checks.push(`  ${sample.ok && ok ? 'ok  ' : 'MISS'} ${label}: ${sample.ok ? text : sample.error}`);
  for (const [entities, target] of [
    [1, SERVING_TARGETS.oneEntityP99VsNoop],
    [100, SERVING_TARGETS.hundredEntitiesP99VsNoop],
  ] as const) {
    const noop = find('noop', entities);
    const serve = find('serve', entities);
    const ratio = serve.p99_ms / noop.p99_ms;
    rows.push([
      `do-nothing Fastify, ${entities} entit${entities === 1 ? 'y' : 'ies'}`,
      'ok',
      `p99 ${noop.p99_ms} ms, p50 ${noop.p50_ms} ms`,
      formatRatio(1),
      `${Math.round(noop.rate_per_second)}/s`,
    ]);
    rows.push([
      `serve, ${entities} entit${entities === 1 ? 'y' : 'ies'}`,
      sample.ok ? 'ok' : 'FAILED',
      `p99 ${serve.p99_ms} ms, p50 ${serve.p50_ms} ms`,
      formatRatio(ratio),
      `${Math.round(serve.rate_per_second)}/s`,
    ]);
    check(`serve p99 / do-nothing p99, ${entities} entit${entities === 1 ? 'y' : 'ies'}`, ratio <= target, `${ratio.toFixed(2)} (target ≤ ${target})`);
    check(
      `serve rate, ${entities} entit${entities === 1 ? 'y' : 'ies'}`,
      serve.rate_per_second >= RATE_BY_ENTITIES[entities] * 0.98,
      `${Math.round(serve.rate_per_second)}/s (asked ${RATE_BY_ENTITIES[entities]}/s)`,
    );
  }
  check(
    'serve start until ready',
    sample.ready_ms <= SERVING_TARGETS.readyMs,
    `${(sample.ready_ms / 1000).toFixed(2)} s (target ≤ ${SERVING_TARGETS.readyMs / 1000} s)`,
  );
  checks.push(`  info RSS of serve once loaded: ${Math.round(sample.rss_mib)} MiB`);
  return { table: renderTable(['step', 'status', 'latency', '× do-nothing', 'rate'], rows), checks };
}
