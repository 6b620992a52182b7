/**
 * Parsing the `Cookie` request header (SPEC §6), RFC 6265bis §5.4 server-side rules.
 *
 * Hand-written rather than the `cookie` package: that one keeps only the first pair of each name
 * and percent-decodes values, while SPEC §6 wants every pair, in order, and the raw value.
 */

/**
 * Splits a `Cookie` header into `[name, value]` pairs, in header order, duplicates kept.
 *
 *     cookie-string = cookie-pair *( ";" SP cookie-pair )     ; RFC 6265bis §4.2.1
 *
 * Lenient as RFC 6265bis §5.4 asks of servers: pieces are split on `;`, trimmed of spaces and
 * tabs, empty pieces dropped; a piece without `=` is a cookie with an empty name; one pair of
 * surrounding `"` is removed from a value; no percent-decoding. Never throws; linear time (one
 * `indexOf` walk, no regular expressions, no `split`).
 */
export function parseCookieHeader(header: string): Array<[name: string, value: string]> {
  const pairs: Array<[string, string]> = [];
  if (typeof header !== 'string') return pairs;
  const length = header.length;
  let start = 0;
  // The next `=` at or after `start`, found once and reused until passed: searching afresh from
  // every piece would make `a;a;a;...;=` quadratic.
  let eq = -1;
  while (start < length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    if (eq !== length && eq < start) {
      eq = header.indexOf('=', start);
      if (eq === -1) eq = length;
    }
    if (eq >= end) {
      // No `=`: the whole piece is the value of a cookie with an empty name.
      const value = trimmed(header, start, end);
      // SPEC §6: one pair of quotes comes off every value, this one's too.
      if (value !== '') pairs.push(['', unquote(value)]);
    } else {
      const name = trimmed(header, start, eq);
      pairs.push([name, unquote(trimmed(header, eq + 1, end))]);
    }
    start = end + 1;
  }
  return pairs;
}

// SP and HTAB only (RFC 6265bis §5.4 step 2): not every Unicode space that String#trim takes.
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function trimmed(s: string, from: number, to: number): string {
  while (from < to && isBlank(s.charCodeAt(from))) from++;
  while (to > from && isBlank(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

function unquote(value: string): string {
  return value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22
    ? value.slice(1, -1)
    : value;
}
