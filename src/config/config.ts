/**
 * `app.conf`: the resolved config. Every key of the key table is a typed accessor
 * (`conf.timezone`, `conf.timezone = 'Europe/London'`) generated from the table, so adding a
 * key to keys.ts is the only step. Writes validate every value before applying any (all or
 * nothing), accept any alias, never mutate the caller's object, and tell listeners.
 */
import type { RetryPolicy } from '../util/backoff.ts';
import { DEFAULTS, KEY_NAMES, SPELLINGS, keySpec, resolveKeyName, type ConfigValues, type KeyName } from './keys.ts';
import { maskSecrets } from './shapes.ts';
import { unknownNameError } from './suggest.ts';
import { fail, isObjectLike, maskUrlPasswords } from './validate.ts';

type InputOverrides = {
  /** Fields left out keep their defaults; snake_case fields are accepted. */
  taskPublishRetryPolicy?: Partial<RetryPolicy> | Readonly<Record<string, number | null>>;
};

/**
 * What `update()` and `new Config()` take: camelCase keys typed, any other spelling
 * (`task_routes`, `CELERY_ROUTES`) checked at run time. `undefined` resets a key to its default.
 */
export type ConfigInput = { [K in Exclude<KeyName, keyof InputOverrides>]?: ConfigValues[K] } & InputOverrides & {
  readonly [spelling: string]: unknown;
};

export interface ConfigChange {
  /** The keys whose values changed, camelCase. */
  readonly keys: readonly KeyName[];
  readonly previous: Readonly<ConfigValues>;
  readonly current: Readonly<ConfigValues>;
}

export type ConfigListener = (change: ConfigChange) => void;

// Declaration merging: the accessors defined in the static block below, typed by the table.
export interface Config extends ConfigValues {}

export class Config {
  #values: Record<KeyName, unknown> = { ...DEFAULTS };
  #listeners = new Set<ConfigListener>();
  #snapshot: Readonly<ConfigValues> | undefined;

  static {
    // `this`, not `Config`: tsc compiles the class name here to an alias assigned only after
    // the class body, so dist/ would throw at import.
    for (const name of KEY_NAMES) {
      if (name in this.prototype) throw new Error(`config key ${name} shadows a Config method`);
      Object.defineProperty(this.prototype, name, {
        configurable: false,
        enumerable: true,
        get(this: Config): unknown {
          return this.#values[name];
        },
        set(this: Config, value: unknown): void {
          this.#apply(this.#stage({ [name]: value }));
        },
      });
    }
  }

  /** Defaults, then `initial` (any alias). Throws ConfigError like `update()`. */
  constructor(initial?: ConfigInput | Config) {
    if (initial !== undefined) this.update(initial);
  }

  /**
   * Sets the given keys (any spelling). Every value is validated before any is applied: on a
   * ConfigError nothing changed. Listeners run after the change; if one throws, the change
   * stays and the listener's error is rethrown once all listeners ran.
   */
  update(values: ConfigInput | Config): void {
    this.#apply(this.#stage(values));
  }

  /** The resolved value of a key by any spelling; ConfigError (with a suggestion) if unknown. */
  get<K extends KeyName>(key: K): ConfigValues[K];
  get(key: string): unknown;
  get(key: string): unknown {
    const name = resolveKeyName(key);
    if (name === undefined) throw unknownNameError(key, SPELLINGS, 'config key');
    return this.#values[name];
  }

  /** A frozen copy of every resolved value (the same object until the next change). */
  snapshot(): Readonly<ConfigValues> {
    this.#snapshot ??= Object.freeze({ ...this.#values }) as unknown as Readonly<ConfigValues>;
    return this.#snapshot;
  }

  /**
   * Resolved values as plain data for display (`inspect conf`): functions are `'<function>'`,
   * URL passwords and secret-looking connection options are masked.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const name of KEY_NAMES) {
      const value = this.#values[name];
      if (name === 'broker' || name === 'backend') {
        out[name] = typeof value === 'string' ? maskUrlPasswords(value) : value;
      } else if (name === 'brokerConnectionOptions') {
        out[name] = toPlain(maskSecrets(value), new WeakSet());
      } else {
        out[name] = toPlain(value, new WeakSet());
      }
    }
    return out;
  }

  /** Calls `listener` after each change; returns a function that removes it. */
  onChange(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #stage(input: unknown): Map<KeyName, unknown> {
    // Another Config's values live behind prototype accessors: copy them through a snapshot.
    const values = input instanceof Config ? (input.snapshot() as unknown as Record<string, unknown>) : input;
    if (!isObjectLike(values)) fail({ key: 'config' }, values, 'an object of config keys');
    const staged = new Map<KeyName, unknown>();
    const spelledAs = new Map<KeyName, string>();
    for (const [spelling, raw] of Object.entries(values)) {
      const name = resolveKeyName(spelling);
      if (name === undefined) throw unknownNameError(spelling, SPELLINGS, 'config key');
      const spec = keySpec(name);
      let value: unknown;
      try {
        value = raw === undefined ? spec.default : spec.validate({ key: name }, raw);
      } catch (err) {
        if (spelling !== name && err instanceof Error) {
          err.message += ` (set as \`${spelling}\`)`;
          Object.assign(err, { spelling });
        }
        throw err;
      }
      const before = spelledAs.get(name);
      if (before !== undefined && !Object.is(values[before], raw)) {
        fail({ key: name }, raw, `set once, but \`${before}\` and \`${spelling}\` both set it`);
      }
      spelledAs.set(name, spelling);
      staged.set(name, value);
    }
    return staged;
  }

  #apply(staged: Map<KeyName, unknown>): void {
    const changed: KeyName[] = [];
    for (const [name, value] of staged) {
      if (!Object.is(this.#values[name], value)) changed.push(name);
    }
    if (changed.length === 0) return;
    const previous = this.snapshot();
    for (const name of changed) this.#values[name] = staged.get(name);
    this.#snapshot = undefined;
    if (this.#listeners.size === 0) return;
    const change: ConfigChange = Object.freeze({ keys: Object.freeze(changed), previous, current: this.snapshot() });
    const errors: unknown[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'config change listeners failed');
  }
}

/** Plain data for display: functions become '<function>', Dates ISO strings, cycles '<circular>'. */
function toPlain(v: unknown, seen: WeakSet<object>): unknown {
  if (typeof v === 'function') return '<function>';
  if (v instanceof Date) return v.toISOString();
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return '<circular>';
  seen.add(v);
  let out: unknown;
  const withToJSON = v as { toJSON?: unknown };
  if (Array.isArray(v)) {
    out = v.map((x) => toPlain(x, seen));
  } else if (typeof withToJSON.toJSON === 'function') {
    out = toPlain((withToJSON.toJSON as () => unknown).call(v), seen);
  } else {
    const obj: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) obj[k] = toPlain(x, seen);
    out = obj;
  }
  // Only ancestors count as cycles: the same object twice side by side is shown twice.
  seen.delete(v);
  return out;
}
