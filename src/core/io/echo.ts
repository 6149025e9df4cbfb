/**
 * Values from outside (a file, a link) quoted in an error message: at most 60 characters, so a
 * hostile or damaged input cannot turn one message into megabytes.
 */

/** The longest echo, the ellipsis included. */
export const ECHO_LENGTH = 60;

/** `text` cut to {@link ECHO_LENGTH} characters with a final `…` (never inside a surrogate pair). */
export function echo(text: string): string {
  if (text.length <= ECHO_LENGTH) return text;
  let cut = ECHO_LENGTH - 1;
  if (/[\uD800-\uDBFF]/.test(text[cut - 1] ?? '')) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** A value as JSON (strings quoted), echoed. */
export function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  return echo(text ?? String(value));
}
