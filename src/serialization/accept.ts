/**
 * `acceptContent`: which content types a worker will deserialize. Entries are serializer names
 * or content types, normalised once to a set of content types (as kombu's
 * `prepare_accept_content` does: anything with a '/' is taken as a content type as is).
 */
import { ConfigError, ContentDisallowed } from '../errors.ts';

const TYPE_BY_NAME: Record<string, string> = {
  msgpack: 'application/x-msgpack',
  json: 'application/json',
  // Names celeriac cannot decode still normalise, so that an accept list copied from a Celery
  // config is read the same way; such content is refused later as having no codec.
  pickle: 'application/x-python-serialize',
  yaml: 'application/x-yaml',
};

const NAME_BY_TYPE: Record<string, string> = Object.fromEntries(
  Object.entries(TYPE_BY_NAME).map(([name, type]) => [type, name]),
);

/**
 * Normalises `acceptContent` entries ('msgpack', 'json', 'application/x-msgpack', ...) to a
 * frozen set of content types. An unknown name without a '/' is a ConfigError.
 */
export function normalizeAccept(entries: Iterable<string>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const entry of entries) {
    if (typeof entry !== 'string' || entry === '') {
      throw new ConfigError(`\`acceptContent\` entries must be non-empty strings, got ${String(entry)}`);
    }
    if (entry.includes('/')) {
      out.add(entry);
      continue;
    }
    const type = Object.hasOwn(TYPE_BY_NAME, entry) ? TYPE_BY_NAME[entry] : undefined;
    if (type === undefined) {
      throw new ConfigError(
        `\`acceptContent\` entry '${entry}' is not a known serializer (msgpack, json) nor a content type`,
      );
    }
    out.add(type);
  }
  return out;
}

/** Throws ContentDisallowed, worded as kombu words it, unless `contentType` is accepted. */
export function assertAccepted(contentType: string, accepted: ReadonlySet<string>): void {
  if (accepted.has(contentType)) return;
  const name = Object.hasOwn(NAME_BY_TYPE, contentType) ? NAME_BY_TYPE[contentType] : contentType;
  const what = name === contentType ? contentType : `${name} (${contentType})`;
  throw new ContentDisallowed(`Refusing to deserialize untrusted content of type ${what}`);
}
