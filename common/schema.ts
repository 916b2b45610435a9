import { BadMessageError } from './errors.js';

/**
 * A tiny schema checker for decoded messages: every field's type, range, length and element count is checked
 * (after libp2p floodsub's decode limits), and unknown fields are dropped so nothing unvalidated flows inward.
 */
export type Check<T> = (value: unknown, path: string) => T;

function fail(path: string, want: string): never {
  throw new BadMessageError(`${path || 'message'} must be ${want}`);
}

export function str(opts: { min?: number; max: number; pattern?: RegExp }): Check<string> {
  return (v, path) => {
    if (typeof v !== 'string') fail(path, 'a string');
    if (v.length < (opts.min ?? 0) || v.length > opts.max) fail(path, `${opts.min ?? 0}–${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) fail(path, `of the form ${opts.pattern.source}`);
    return v;
  };
}

export function int(opts: { min: number; max: number }): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'an integer');
    if (v < opts.min || v > opts.max) fail(path, `between ${opts.min} and ${opts.max}`);
    return v;
  };
}

export function bool(): Check<boolean> {
  return (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false'));
}

export function literal<T extends string>(...values: T[]): Check<T> {
  return (v, path) => ((values as unknown[]).includes(v) ? (v as T) : fail(path, `one of ${values.join(', ')}`));
}

export function arr<T>(item: Check<T>, opts: { max: number }): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, 'a list');
    if (v.length > opts.max) fail(path, `at most ${opts.max} items`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, path) => (v === undefined ? undefined : check(v, path));
}

type Shape = Record<string, Check<unknown>>;
export type Infer<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

export function obj<S extends Shape>(shape: S): Check<Infer<S>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object');
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const value = check((v as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (value !== undefined) out[key] = value;
    }
    return out as Infer<S>;
  };
}
