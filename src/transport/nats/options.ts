/**
 * `connectionOptions` (the app's broker connection options) resolved once into nats.js
 * connection options plus this transport's own tuning. Keys nats.js knows pass through in its
 * own units (milliseconds); the few below are read here.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ConfigError } from '../../errors.ts';
import type { Millis } from '../../util/time.ts';

/** What `connectionOptions` may hold for `nats://` (all optional). */
export interface NatsConnectionOptions {
  /** User and password (or put them in the URL: `nats://user:pass@host:4222`). */
  user?: string;
  pass?: string;
  /** Token authentication. */
  token?: string;
  /** Path of a `.creds` file (JWT + nkey seed), for decentralised auth. */
  credsFile?: string;
  /** TLS: file paths of the CA, the client certificate and its key. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; rejectUnauthorized?: boolean };
  /** Client name shown by the server's monitoring. @default 'celeriac' */
  name?: string;
  /** Reconnect attempts per server; -1 never gives up. @default -1 */
  maxReconnectAttempts?: number;
  /** Wait between reconnect attempts, ms. @default 1000 */
  reconnectTimeWait?: number;
  /** Handshake deadline of a connection attempt, ms; overrides the app's `brokerConnectionTimeout`. @default 5000 */
  timeout?: number;
  /** How long a publish waits for JetStream's acknowledgement before failing, ms. @default 5000 */
  publishTimeout?: number;
  /** Deadline of JetStream API requests (streams, consumers, KV reads), ms. @default 5000 */
  apiTimeout?: number;
  /** Deliveries after which a message is dead-lettered instead of handed over. @default 5 */
  maxDeliver?: number;
}

export interface NatsTuning {
  readonly publishTimeout: Millis;
  readonly apiTimeout: Millis;
  readonly maxDeliver: number;
}

const OWN_KEYS = new Set(['credsFile', 'publishTimeout', 'apiTimeout', 'maxDeliver']);

function positive(raw: Record<string, unknown>, key: string, dflt: number, min = 1): number {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ConfigError(`connectionOptions.${key} must be a number >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Normalises `host:port` and `nats://...` entries; throws ConfigError on an empty list. */
export function normalizeUrls(urls: string[]): string[] {
  const out = urls
    .flatMap((u) => u.split(','))
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) => (/^[a-z]+:\/\//i.test(u) ? u : `nats://${u}`));
  if (out.length === 0) throw new ConfigError('nats:// needs at least one server URL');
  return out;
}

/** The URLs for display, passwords masked. */
export const displayUrl = (urls: string[]): string =>
  urls.map((u) => u.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')).join(',');

/**
 * nats.js v3 does not read credentials from server URLs, so `nats://user:pass@host` (or
 * `nats://token@host`) is split here: the credentials become options, the URL loses them.
 */
function splitCredentials(urls: string[]): { servers: string[]; user?: string; pass?: string; token?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  let token: string | undefined;
  const servers = urls.map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new ConfigError(`not a valid NATS server URL: ${displayUrl([u])}`);
    }
    if (url.username !== '' && user === undefined && token === undefined) {
      if (url.password !== '') {
        user = decodeURIComponent(url.username);
        pass = decodeURIComponent(url.password);
      } else {
        token = decodeURIComponent(url.username);
      }
    }
    return `${url.protocol}//${url.host}`;
  });
  return { servers, user, pass, token };
}

/** `defaults.timeout`: the handshake deadline when `raw` sets none (the app's `brokerConnectionTimeout`). */
export function resolveOptions(
  urls: string[],
  raw: Record<string, unknown> = {},
  defaults: { timeout?: Millis } = {},
): { nats: NodeConnectionOptions; tuning: NatsTuning } {
  const pass: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!OWN_KEYS.has(k) && v !== undefined) pass[k] = v;
  const fromUrl = splitCredentials(normalizeUrls(urls));
  const nats: NodeConnectionOptions = {
    name: 'celeriac',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    timeout: defaults.timeout ?? 5000,
    ...(fromUrl.user !== undefined ? { user: fromUrl.user, pass: fromUrl.pass } : {}),
    ...(fromUrl.token !== undefined ? { token: fromUrl.token } : {}),
    ...(pass as Partial<NodeConnectionOptions>),
    servers: fromUrl.servers,
    // Halves the client CPU of a publish (DESIGN.md §6b); our errors carry their own context.
    noAsyncTraces: true,
  };
  const creds = raw.credsFile;
  if (creds !== undefined) {
    if (typeof creds !== 'string') throw new ConfigError(`connectionOptions.credsFile must be a path, got ${String(creds)}`);
    // Read at every (re)connect so a rotated creds file is picked up.
    nats.authenticator = credsAuthenticator(() => readFileSync(creds));
  }
  const tuning: NatsTuning = {
    publishTimeout: positive(raw, 'publishTimeout', 5000),
    apiTimeout: positive(raw, 'apiTimeout', 5000),
    maxDeliver: positive(raw, 'maxDeliver', 5),
  };
  return { nats, tuning };
}
