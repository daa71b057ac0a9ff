/**
 * Redaction of secrets in request targets before they are logged. The check is made on each
 * parameter name as a query parser would see it, and more: percent-escapes are undone (again
 * and again, for double encoding), `+` is a space, case and everything but letters and digits
 * are ignored, so `to%6Ben`, `TOKEN`, `token[]`, `access%5Ftoken` and `tok%2565n` all count.
 * `?`, `&`, `;` and `#` all start a parameter, so `/v1/manifest;token=` and `?a=b?token=` are
 * caught too. Redacting a harmless parameter costs nothing; logging a secret cannot be undone.
 */

/** What a normalised parameter name must contain to have its value redacted. */
const SECRET_NAME = /token|secret|passw|auth|apikey|signature/;

/** A parameter: its separator, its name (as sent) and `=`; the value is what follows up to the next separator. */
const PARAM = /([?&;#])([^?&;#=]*)=([^?&;#]*)/g;

/** How many rounds of percent-decoding a name gets (a proxy may decode once more than we do). */
const DECODE_ROUNDS = 3;

/** The value written in place of a secret. */
export const REDACTED = 'REDACTED';

/** A parameter name as compared: decoded, lower-case, letters and digits only. */
export function normalizeParamName(name: string): string {
  let s = name.replace(/\+/g, ' ');
  for (let i = 0; i < DECODE_ROUNDS && s.includes('%'); i++) {
    s = s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Whether a parameter named `name` (as sent) carries a secret. */
export function isSecretParam(name: string): boolean {
  return SECRET_NAME.test(normalizeParamName(name));
}

/** `target` with the value of every secret parameter replaced by {@link REDACTED}. */
export function redactTarget(target: string): string {
  return target.replace(PARAM, (whole, sep: string, name: string) => (isSecretParam(name) ? `${sep}${name}=${REDACTED}` : whole));
}
