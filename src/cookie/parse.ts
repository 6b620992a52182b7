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
  scanCookiePairs(header, (nameStart, nameEnd, valueStart, valueEnd) => {
    pairs.push([header.slice(nameStart, nameEnd), header.slice(valueStart, valueEnd)]);
    return true;
  });
  return pairs;
}

/**
 * The values of the cookies named `name` in `header`, in header order, at most `limit` of them:
 * what `parseCookieHeader` would give for that name, without building the other pairs (the
 * session manager's hot path: its cookie among a page's ten others).
 */
export function cookieValues(header: string, name: string, limit: number): string[] {
  const values: string[] = [];
  if (limit <= 0 || typeof header !== 'string') return values;
  if (!isPlainName(name)) {
    // A name parsing could never produce as such (empty, edged with blanks, holding `;` or `=`):
    // take the general walk, which handles every case the same way parseCookieHeader does.
    scanCookiePairs(header, (nameStart, nameEnd, valueStart, valueEnd) => {
      if (nameEnd - nameStart === name.length && header.startsWith(name, nameStart)) {
        values.push(header.slice(valueStart, valueEnd));
      }
      return values.length < limit;
    });
    return values;
  }
  // Jump from one occurrence of the name to the next instead of walking every pair. An occurrence
  // names a cookie when only blanks stand between it and the start of its piece (the header's
  // start or a `;`) and between it and an `=`: then that `=` is its piece's first, as parsing
  // would find it. Each character is looked at a bounded number of times: linear.
  const length = header.length;
  let from = 0;
  for (let at = header.indexOf(name, from); at !== -1; at = header.indexOf(name, from)) {
    from = at + 1;
    let before = at;
    // No bound needed in these blank walks: charCodeAt past either end of the header is NaN, never
    // a blank, and inside a piece each walk stops at a `;`, an `=` or the header's end.
    while (isBlank(header.charCodeAt(before - 1))) before--;
    if (before > 0 && header.charCodeAt(before - 1) !== 0x3b) continue;
    let eq = at + name.length;
    while (isBlank(header.charCodeAt(eq))) eq++;
    if (header.charCodeAt(eq) !== 0x3d) continue; // NaN at the end: no `=`
    // Stryker disable next-line ArithmeticOperator: the character before `=` is never `;`, so searching from it finds the same `;`.
    let end = header.indexOf(';', eq + 1);
    if (end === -1) end = length;
    values.push(pieceValue(header, eq + 1, end));
    if (values.length === limit) break;
    // Stryker disable next-line ArithmeticOperator: from the `;` itself, the next occurrence found is the same.
    from = end + 1;
  }
  return values;
}

/** A name without `;` or `=` and not edged with blanks: one the occurrence jump can find exactly. */
// Stryker disable next-line BlockStatement: a name sent down the general walk gives the same values, only slower.
function isPlainName(name: string): boolean {
  return (
    // Stryker disable next-line StringLiteral: a name sent down the general walk gives the same values, only slower.
    typeof name === 'string' &&
    name !== '' &&
    !isBlank(name.charCodeAt(0)) &&
    !isBlank(name.charCodeAt(name.length - 1)) &&
    // Stryker disable next-line StringLiteral: a name sent down the general walk gives the same values, only slower.
    !name.includes(';') &&
    // Stryker disable next-line StringLiteral: a name sent down the general walk gives the same values, only slower.
    !name.includes('=')
  );
}

/** The value between `start` and `end`: trimmed of blanks, one pair of quotes removed (SPEC §6). */
function pieceValue(header: string, start: number, end: number): string {
  while (isBlank(header.charCodeAt(start))) start++; // stops at the `;` or the end at the latest
  while (end > start && isBlank(header.charCodeAt(end - 1))) end--;
  if (end - start >= 2 && header.charCodeAt(start) === 0x22 && header.charCodeAt(end - 1) === 0x22) {
    start++;
    end--;
  }
  return header.slice(start, end);
}

/**
 * The one walk over a `Cookie` header: calls `visit` with the bounds of each pair's name and
 * value, trimmed and unquoted (SPEC §6), until it returns false. Linear: one `indexOf` walk.
 */
function scanCookiePairs(
  header: string,
  visit: (nameStart: number, nameEnd: number, valueStart: number, valueEnd: number) => boolean,
): void {
  if (typeof header !== 'string') return;
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
    let nameStart = start;
    let nameEnd = start;
    let valueStart: number;
    let valueEnd = end;
    if (eq >= end) {
      // No `=`: the whole piece is the value of a cookie with an empty name.
      valueStart = start;
    } else {
      nameEnd = eq;
      while (isBlank(header.charCodeAt(nameStart))) nameStart++; // stops at the `=` at the latest
      while (nameEnd > nameStart && isBlank(header.charCodeAt(nameEnd - 1))) nameEnd--;
      valueStart = eq + 1;
    }
    while (isBlank(header.charCodeAt(valueStart))) valueStart++; // stops at the `;` or the end at the latest
    while (valueEnd > valueStart && isBlank(header.charCodeAt(valueEnd - 1))) valueEnd--;
    // An empty piece (nothing but blanks) is dropped; `=` alone is a pair of empty name and value.
    const empty = eq >= end && valueStart === valueEnd;
    // SPEC §6: one pair of surrounding quotes comes off every value.
    if (valueEnd - valueStart >= 2 && header.charCodeAt(valueStart) === 0x22 && header.charCodeAt(valueEnd - 1) === 0x22) {
      valueStart++;
      valueEnd--;
    }
    if (!empty && !visit(nameStart, nameEnd, valueStart, valueEnd)) return;
    start = end + 1;
  }
}

// SP and HTAB only (RFC 6265bis §5.4 step 2): not every Unicode space that String#trim takes.
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
