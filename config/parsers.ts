// Pure parsers of a setting's raw value (a string from the environment, any JSON value from the file). Each
// reports a problem as the rule it breaks, a phrase that completes "<setting>=<value>: ...", and returns the
// value, or undefined when it refuses the value outright (the setting's default then applies).
import { cut, escaped, quoted } from '../errors';
import { projectTags } from './naming';
import { tagKeyRule, tagValueRule } from './rules';

/** What a parser needs besides the value: the other settings (for rules that read them) and where to report. */
export interface ParseContext<S> {
  readonly settings: S;
  fail(rule: string): void;
}

export interface Parser<T, S> {
  /** The value, or undefined when refused outright (the default applies then). */
  read(value: unknown, context: ParseContext<S>): T | undefined;
  /** The rule a value keeps; for text settings it is also applied to a derived default. */
  rule?(value: T, settings: S): string | undefined;
}

type Rule<T, S> = (value: T, settings: S) => string | undefined;

/**
 * A non-empty string. One that breaks its rule is kept as given (the problem is reported, and a value derived
 * from it is not checked again); `normalize` applies to the value either way.
 */
export function text<S>(
  rule: Rule<string, S>,
  normalize: (value: string) => string = (value) => value,
): Parser<string, S> {
  return {
    read(raw, { settings, fail }) {
      const value = nonEmptyString(raw, fail);
      if (value === undefined) return undefined;
      const broken = rule(value, settings);
      if (broken) fail(broken);
      return normalize(value);
    },
    rule,
  };
}

function nonEmptyString(value: unknown, fail: (rule: string) => void): string | undefined {
  if (typeof value !== 'string') return void fail('must be a string');
  if (value === '') return void fail('must not be empty (unset it to use the default)');
  return value;
}

/** A whole number, from a number in the file or digits in a string; one that breaks its rule is refused. */
export function wholeNumber<S>(rule: (value: number) => string | undefined): Parser<number, S> {
  return {
    read(raw, { fail }) {
      const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
      const broken = typeof value === 'number' ? rule(value) : 'must be a whole number';
      if (broken) return void fail(broken);
      return value as number;
    },
  };
}

/** true or false, as a JSON boolean or a string. */
export function flag<S>(): Parser<boolean, S> {
  return {
    read(value, { fail }) {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return void fail('must be true or false');
    },
  };
}

/** One of a few words, exactly (no case folding). */
export function oneOf<T extends string, S>(allowed: readonly T[]): Parser<T, S> {
  return {
    read(raw, { fail }) {
      const value = nonEmptyString(raw, fail);
      if (value === undefined) return undefined;
      if ((allowed as readonly string[]).includes(value)) return value as T;
      return void fail(`must be one of ${allowed.join(', ')}`);
    },
  };
}

/**
 * A comma-separated string or a list of strings; each item checked by `rule` and listed once (`duplicate` says
 * so). Every item is kept, a broken one too, so a check on the whole list sees what was given.
 */
export function list<T extends string, S = unknown>(rule: Rule<string, S>, duplicate: string): Parser<T[], S> {
  return {
    read(value, { settings, fail }) {
      const items =
        typeof value === 'string'
          ? value
              .split(',')
              .map((item) => item.trim())
              .filter((item) => item !== '')
          : Array.isArray(value) && value.every((item) => typeof item === 'string')
            ? (value as string[])
            : undefined;
      if (!items) {
        fail('must be a comma-separated string or a list of strings');
        return [];
      }
      const seen = new Set<string>();
      for (const item of items) {
        const broken = seen.has(item) ? duplicate : rule(item, settings);
        if (broken) fail(`${broken} (${shown(item)})`);
        seen.add(item);
      }
      return [...seen] as T[];
    },
  };
}

/** AWS allows 50 tags per resource (S3, DynamoDB, KMS, IAM); the project's own two leave 48 to the user. */
export const MAX_USER_TAGS = 48;

/** key=value pairs (a string "a=1,b=2", or an object in the file) checked against AWS's tag rules. */
export function tagMap<S>(): Parser<Record<string, string>, S> {
  return {
    read(value, { fail }) {
      let pairs: [string, unknown][];
      if (typeof value === 'string') {
        pairs = [];
        for (const item of value
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')) {
          const at = item.indexOf('=');
          if (at < 0) fail(`each tag must be key=value (${quoted(item)})`);
          else pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()]);
        }
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        pairs = Object.entries(value);
      } else {
        fail('must be a comma-separated string of key=value or an object of strings');
        return {};
      }
      const reserved = Object.keys(projectTags(''));
      // IAM refuses two tag keys that differ only in case on a role (the replication role): compare without case.
      const folded = (key: string) => key.toLowerCase();
      // A Map, not an object: "constructor" or "__proto__" are tag keys like any other.
      const tags = new Map<string, string>();
      for (const [key, item] of pairs) {
        const broken =
          typeof item !== 'string'
            ? `tag values must be strings (the value of ${quoted(key)})`
            : [...tags.keys()].some((listed) => folded(listed) === folded(key))
              ? `each tag key must be listed once, in any case (IAM ignores case) (${quoted(key)})`
              : reserved.some((own) => folded(own) === folded(key))
                ? `${quoted(key)} is a tag the project sets itself (${reserved.join(', ')}; IAM ignores case)`
                : (tagKeyRule(key) ?? tagValueRule(key, item));
        if (broken) fail(broken);
        else tags.set(key, item as string);
      }
      if (tags.size > MAX_USER_TAGS)
        fail(`at most ${MAX_USER_TAGS} tags (AWS allows 50 per resource; the project sets 2)`);
      return Object.fromEntries(tags);
    },
  };
}

/** A value as a message shows it: JSON, cut short so a huge value is not echoed back whole. */
export function shown(value: unknown, limit = 100): string {
  return cut(escaped(JSON.stringify(value) ?? String(value)), limit);
}
