/**
 * Starts real `nats-server` processes for tests: a free loopback port (never 4222), JetStream
 * in a temp store dir, readiness checked through the monitoring port's `/healthz` (which only
 * answers 200 once JetStream has a meta leader, so it also covers cluster formation), and an
 * early exit of the process reported with its stderr. A server a test forgets to stop is
 * killed when the test process exits.
 *
 * No `@nats-io/*` import here on purpose: the harness speaks TCP and HTTP only, so it also
 * serves tests that want to drive the raw protocol.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the binary is; CI installs Debian's `nats-server` on the PATH. */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

export interface NatsServerOptions {
  /** Require this user and password from clients. */
  user?: string;
  pass?: string;
  /** Require this token from clients. */
  token?: string;
  /** A config file passed with `-c`. */
  configFile?: string;
  /** Config file text, written to the temp dir and passed with `-c`. */
  config?: string;
  /** `server_name`. @default a random one */
  serverName?: string;
  /** Extra command-line arguments. */
  args?: string[];
  /** Deadline for the server to become ready, ms. @default 15000 */
  readyTimeoutMs?: number;
  /** Cluster settings (set by `startCluster`). */
  cluster?: { name: string; port: number; routes: number[] };
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test that forgot to stop its server must not leave it running.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** A port nobody listens on right now (bind 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port === 4222 ? freePort().then(resolve, reject) : resolve(port)));
    });
  });
}

// Not unref'd: the readiness loop must keep the process alive even after the child exited.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class NatsServerError extends Error {
  override name = 'NatsServerError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(`${message}\n--- nats-server stderr ---\n${stderr}`);
  }
}

/** One `nats-server` process; `restart()` keeps its port and store dir. */
export class NatsServer implements AsyncDisposable {
  #child: ChildProcess | null = null;
  #stderr = '';
  #exited: Promise<void> = Promise.resolve();
  #disposed = false;
  readonly #dir: string;
  readonly #opts: NatsServerOptions;
  port = 0;
  monitorPort = 0;

  private constructor(opts: NatsServerOptions) {
    this.#opts = opts;
    this.#dir = mkdtempSync(join(tmpdir(), 'celeriac-nats-'));
  }

  /** Starts a server and waits until it accepts connections with JetStream ready. */
  static async start(opts: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(opts);
    try {
      await server.#launch(false);
    } catch (err) {
      await server[Symbol.asyncDispose]();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  get storeDir(): string {
    return join(this.#dir, 'jetstream');
  }
  get running(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }
  get stderr(): string {
    return this.#stderr;
  }

  async #launch(fixedPorts: boolean): Promise<void> {
    // Retry on a lost port race (someone bound our "free" port between probe and spawn);
    // a restart keeps its ports and reports the collision instead.
    for (let attempt = 0; ; attempt++) {
      if (!fixedPorts) {
        this.port = await freePort();
        this.monitorPort = await freePort();
      }
      try {
        await this.#spawnAndWait();
        return;
      } catch (err) {
        const inUse = err instanceof NatsServerError && /address already in use/i.test(err.stderr);
        if (!inUse || fixedPorts || attempt >= 4) throw err;
      }
    }
  }

  #args(): string[] {
    const o = this.#opts;
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-m', String(this.monitorPort)];
    args.push('-js', '-sd', this.storeDir);
    args.push('--server_name', o.serverName ?? `t${this.port}`);
    if (o.user !== undefined) args.push('--user', o.user, '--pass', o.pass ?? '');
    if (o.token !== undefined) args.push('--auth', o.token);
    if (o.config !== undefined) {
      const file = join(this.#dir, 'server.conf');
      writeFileSync(file, o.config);
      args.push('-c', file);
    } else if (o.configFile !== undefined) {
      args.push('-c', o.configFile);
    }
    if (o.cluster) {
      args.push('--cluster', `nats://127.0.0.1:${o.cluster.port}`, '--cluster_name', o.cluster.name);
      const routes = o.cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(',');
      if (routes) args.push('--routes', routes);
    }
    args.push(...(o.args ?? []));
    return args;
  }

  async #spawnAndWait(): Promise<void> {
    mkdirSync(this.storeDir, { recursive: true });
    this.#stderr = '';
    const child = spawn(NATS_SERVER_BIN, this.#args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    trackChild(child);
    // A server a test forgot to stop must not keep the test process alive (then the exit hook
    // could never kill it); waits below hold a timer of their own instead.
    child.unref();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      // Keep the tail only: a long-running server logs a lot.
      this.#stderr = (this.#stderr + chunk).slice(-32_000);
    });
    let exitInfo: string | null = null;
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = `exited with code ${code} signal ${signal}`;
        resolve();
      });
      child.once('error', (err) => {
        exitInfo = `failed to spawn ${NATS_SERVER_BIN}: ${err.message}`;
        resolve();
      });
    });
    const deadline = Date.now() + (this.#opts.readyTimeoutMs ?? 15_000);
    for (;;) {
      if (exitInfo !== null) {
        await sleep(20); // let the last stderr chunk arrive
        throw new NatsServerError(`nats-server ${exitInfo} before it was ready`, this.#stderr);
      }
      if ((await healthz(this.monitorPort)) === 200 && (await tcpOpen(this.port))) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new NatsServerError('nats-server was not ready in time', this.#stderr);
      }
      await sleep(25);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Keeps the store dir. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#child;
    if (child === null || !this.running) return this.#exited;
    child.kill('SIGTERM');
    // Ref'd on purpose: keeps the process alive until the exit arrives.
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kills the process at once (a crash). */
  async kill(): Promise<void> {
    if (this.#child !== null && this.running) this.#child.kill('SIGKILL');
    const keepAlive = setInterval(() => undefined, 1000);
    await this.#exited;
    clearInterval(keepAlive);
  }

  /** Starts the server again on the same port with the same store dir. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.#launch(true);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  return NatsServer.start(opts);
}

/** A cluster of servers routed to each other on loopback, each with its own store dir. */
export class NatsCluster implements AsyncDisposable {
  #disposed = false;
  constructor(
    readonly servers: NatsServer[],
    readonly name: string,
  ) {}

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Kills server `i` at once (SIGKILL). */
  kill(i: number): Promise<void> {
    return this.servers[i]!.kill();
  }
  /** Stops server `i` gracefully. */
  stop(i: number): Promise<void> {
    return this.servers[i]!.stop();
  }
  /** Starts server `i` again (same ports, same store) and waits until it is healthy. */
  start(i: number): Promise<void> {
    return this.servers[i]!.start();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all(this.servers.map((s) => s[Symbol.asyncDispose]()));
  }
}

/**
 * Starts `n` servers with `-cluster`/`-routes` to each other and waits until JetStream has a
 * meta leader on every one of them (each `/healthz` answers 200).
 */
export async function startCluster(n = 3, opts: Omit<NatsServerOptions, 'cluster' | 'serverName'> = {}): Promise<NatsCluster> {
  const name = `c${Math.random().toString(36).slice(2, 8)}`;
  const clusterPorts: number[] = [];
  for (let i = 0; i < n; i++) clusterPorts.push(await freePort());
  const settled = await Promise.allSettled(
    clusterPorts.map((port, i) =>
      NatsServer.start({
        ...opts,
        readyTimeoutMs: opts.readyTimeoutMs ?? 30_000,
        serverName: `${name}-n${i}`,
        cluster: { name, port, routes: clusterPorts.filter((_, j) => j !== i) },
      }),
    ),
  );
  const servers = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(servers.map((s) => s[Symbol.asyncDispose]()));
    throw failed.reason;
  }
  return new NatsCluster(servers, name);
}
