// Which state keys an IAM pattern reaches, in every Terraform workspace: what the policies grant and deny, and
// what the loader checks a project's own keys against. Pure string functions.

/** Terraform's default workspace_key_prefix: workspace "dev" of key k lives at env:/dev/k. */
export const WORKSPACE_KEY_PREFIX = 'env:';

/** A state key in the default workspace and in every workspace (env:/<workspace>/<key>). */
export function inEveryWorkspace(keys: readonly string[]): string[] {
  return keys.flatMap((key) => [key, `${WORKSPACE_KEY_PREFIX}/*/${key}`]);
}

/**
 * The patterns with one more path segment in place of each `*` segment. IAM's `*` matches "/" too, while a
 * workspace or environment name never holds one (Terraform refuses it; so does config/rules.ts): these are keys
 * the patterns reach but were never meant to, such as workspace blue of another team's key
 * platform/network/terraform.tfstate, env:/blue/platform/network/terraform.tfstate, for the pattern
 * env:/*\/network/terraform.tfstate. Terraform refuses "//" in a key, so none of them is a granted key.
 */
export function deeperThanGranted(patterns: readonly string[]): string[] {
  return patterns.flatMap((pattern) => {
    const segments = pattern.split('/');
    return segments.flatMap((segment, index) =>
      segment === '*' ? [[...segments.slice(0, index), '*', ...segments.slice(index)].join('/')] : [],
    );
  });
}

/** The object keys the policies deny to state users with these grant patterns (and the keys' lockfiles). */
export function deniedDeeperKeys(patterns: readonly string[]): string[] {
  return deeperThanGranted(inEveryWorkspace(patterns)).map((key) => `${key}*`);
}

/** Whether IAM's ARN matching reaches `value` with `pattern`: `*` is any run of characters, "/" included; `?` one character. */
export function iamPatternMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}
