/**
 * Broker URLs: `memory://` (the default in-process hub), `memory://<name>` (a separate one),
 * and `nats://host[:port][,host[:port]...]` (a server or a cluster; each part may repeat the
 * scheme and carry `user:pass@`). Parsed once, with a ConfigError naming the URL on garbage.
 */
import { ConfigError } from '../errors.ts';

export type BrokerScheme = 'memory' | 'nats';

export interface BrokerUrl {
  scheme: BrokerScheme;
  /** nats: each server as `host:port` (port 4222 when absent); memory: empty. */
  hosts: string[];
  /** nats: each server as a full `nats://[user:pass@]host:port` URL for the client; memory: `[url]`. */
  urls: string[];
  /** memory: the hub's name (`''` for the default hub); nats: the path without slashes, if any. */
  name: string;
}

export const DEFAULT_NATS_PORT = 4222;
const MEMORY_RE = /^memory:\/\/([^/?#]*)\/*$/i;
const NAME_RE = /^[A-Za-z0-9._-]*$/;

export function parseBrokerUrl(url: string): BrokerUrl {
  if (typeof url !== 'string' || url.trim() === '') throw new ConfigError(`broker URL must be a non-empty string, got ${String(url)}`);
  const text = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'memory') return parseMemory(text);
  if (scheme === 'nats') return parseNats(text);
  throw new ConfigError(`unsupported broker URL '${url}': expected memory://[name] or nats://host[:port][,host[:port]...]`);
}

function parseMemory(url: string): BrokerUrl {
  const name = MEMORY_RE.exec(url)?.[1];
  if (name === undefined || !NAME_RE.test(name)) {
    throw new ConfigError(`bad memory URL '${url}': expected memory:// or memory://<name> (letters, digits, '.', '_', '-')`);
  }
  return { scheme: 'memory', hosts: [], urls: [url], name };
}

function parseNats(url: string): BrokerUrl {
  const rest = url.slice('nats://'.length);
  if (!/^nats:\/\//i.test(url) || rest === '') throw new ConfigError(`bad NATS URL '${url}': expected nats://host[:port]`);
  const hosts: string[] = [];
  const urls: string[] = [];
  let name = '';
  for (const raw of rest.split(',')) {
    const part = raw.trim().replace(/^nats:\/\//i, '');
    if (part === '') throw new ConfigError(`bad NATS URL '${url}': empty server in the list`);
    let u: URL;
    try {
      u = new URL(`nats://${part}`);
    } catch (cause) {
      throw new ConfigError(`bad NATS URL '${url}': cannot parse server '${part}'`, { cause });
    }
    if (u.hostname === '') throw new ConfigError(`bad NATS URL '${url}': server '${part}' has no host`);
    const port = u.port === '' ? DEFAULT_NATS_PORT : Number(u.port);
    const hostPort = `${u.hostname}:${port}`;
    const auth = u.username === '' ? '' : `${u.username}${u.password === '' ? '' : `:${u.password}`}@`;
    hosts.push(hostPort);
    urls.push(`nats://${auth}${hostPort}`);
    const path = u.pathname.replace(/^\/+|\/+$/g, '');
    if (path !== '' && name === '') name = path;
  }
  return { scheme: 'nats', hosts, urls, name };
}
