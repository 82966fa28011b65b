/**
 * Celery's task_routes globs: `*` matches any run of characters (dots included), `?` one
 * character. Compiled once per pattern.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export const isGlob = (pattern: string): boolean => /[*?]/.test(pattern);
