/**
 * Writing the `Set-Cookie` line (SPEC §7), refusing what a browser would silently reject.
 */
import { checkPeriod } from '../period.js';

/** How the session cookie is written. Defaults are the secure ones that work over plain HTTP. */
export interface CookieOptions {
  /** No `Max-Age`: a browser-session cookie (a deletion still gets `Max-Age=0`). */
  discard?: boolean;
  /** Default `/`. */
  path?: string;
  domain?: string;
  /** Default `false`. Required by `__Secure-`, `__Host-`, `SameSite=None` and `partitioned`. */
  secure?: boolean;
  /** Default `true`. */
  httpOnly?: boolean;
  /** Default `'Lax'`. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  partitioned?: boolean;
  priority?: 'Low' | 'Medium' | 'High';
}

/** A response header as a name and a value, e.g. `['Vary', 'Cookie']`. */
export type HeaderPair = [name: string, value: string];

/** Longest `name=value` browsers store (RFC 6265bis §5.6, step 4). */
const MAX_NAME_VALUE_BYTES = 4096;

/*
 * cookie-name  = token                                        ; RFC 6265 §4.1.1
 * token        = 1*tchar                                      ; RFC 9110 §5.6.2
 * tchar        = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
 *              / DIGIT / ALPHA
 */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/*
 * cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )   ; RFC 6265 §4.1.1
 * cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 * (Only the unquoted form: the value written here is a session key or empty.)
 */
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/*
 * path-value / domain-value = <any CHAR except CTLs or ";">       ; RFC 6265 §4.1.1
 * CHAR = %x01-7F (US-ASCII); CTL = %x00-1F / %x7F
 * av-octet = %x20-3A / %x3C-7E                                    ; RFC 6265bis §4.1.1
 * ASCII only: Node refuses header values with characters above U+00FF (ERR_INVALID_CHAR at
 * `setHeader`, long after this check), and sends U+0080-U+00FF as Latin-1 bytes that browsers
 * read as broken UTF-8.
 */
const ATTRIBUTE_VALUE = /^[\x20-\x3A\x3C-\x7E]*$/;

const SAME_SITE = new Set(['Strict', 'Lax', 'None']);
const PRIORITY = new Set(['Low', 'Medium', 'High']);

/**
 * The `Set-Cookie` line for cookie `name` holding `key` for `maxAge` seconds (SPEC §7). A
 * `maxAge` of 0 gives the deletion line: empty value and `Max-Age=0`, whatever `discard` says.
 * Throws a `TypeError` naming the option and value at fault, and writes nothing, on any input a
 * browser would reject or that could inject another attribute or header.
 */
export function setCookieLine(name: string, key: string, maxAge: number, options: CookieOptions = {}): string {
  checkPeriod(maxAge, 'expiryPeriod');
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(`cookie name must be an RFC 6265 token, got ${JSON.stringify(name)}`);
  }
  const deleting = maxAge === 0;
  const value = deleting ? '' : key;
  // The value is the session key, a bearer credential: messages give its length and where it
  // goes wrong, never its characters (OWASP ASVS V7: no session token in logs or errors).
  if (typeof value !== 'string') {
    throw new TypeError(`cookie value (the session key) must be a string, got ${typeof value}`);
  }
  if (!COOKIE_VALUE.test(value)) {
    const at = value.search(/[^\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/);
    throw new TypeError(
      `cookie value (the session key, ${value.length} characters, not shown) has a character a cookie cannot carry at index ${at}`,
    );
  }
  const path = options.path ?? '/';
  const { domain, secure = false, httpOnly = true, sameSite = 'Lax', partitioned = false, priority } = options;
  checkAttribute('path', path);
  if (!path.startsWith('/')) throw new TypeError(`path must start with "/", got ${JSON.stringify(path)}`);
  if (domain !== undefined) {
    checkAttribute('domain', domain);
    if (domain === '') throw new TypeError('domain must not be empty (omit it for a host-only cookie)');
  }
  if (!SAME_SITE.has(sameSite)) {
    throw new TypeError(`sameSite must be 'Strict', 'Lax' or 'None', got ${JSON.stringify(sameSite)}`);
  }
  if (priority !== undefined && !PRIORITY.has(priority)) {
    throw new TypeError(`priority must be 'Low', 'Medium' or 'High', got ${JSON.stringify(priority)}`);
  }
  // Cookie prefixes, matched case-insensitively as RFC 6265bis §4.1.3 has browsers do.
  const lowerName = name.toLowerCase();
  if (lowerName.startsWith('__secure-') && !secure) {
    throw new TypeError(`cookie ${name}: the __Secure- prefix requires secure: true`);
  }
  if (lowerName.startsWith('__host-')) {
    if (!secure) throw new TypeError(`cookie ${name}: the __Host- prefix requires secure: true`);
    if (domain !== undefined) throw new TypeError(`cookie ${name}: the __Host- prefix forbids a domain, got ${JSON.stringify(domain)}`);
    if (path !== '/') throw new TypeError(`cookie ${name}: the __Host- prefix requires path "/", got ${JSON.stringify(path)}`);
  }
  if (sameSite === 'None' && !secure) throw new TypeError("sameSite: 'None' requires secure: true");
  if (partitioned && !secure) throw new TypeError('partitioned: true requires secure: true');
  // Both passed the ASCII-only grammars above, so characters are bytes.
  if (name.length + value.length > MAX_NAME_VALUE_BYTES) {
    throw new TypeError(
      `cookie ${name}: name plus value exceed ${MAX_NAME_VALUE_BYTES} bytes (${name.length} + ${value.length}; the value, the session key, is not shown)`,
    );
  }

  let line = `${name}=${value}; Path=${path}`;
  if (domain !== undefined) line += `; Domain=${domain}`;
  if (deleting || !options.discard) line += `; Max-Age=${maxAge}`;
  if (secure) line += '; Secure';
  if (httpOnly) line += '; HttpOnly';
  line += `; SameSite=${sameSite}`;
  if (partitioned) line += '; Partitioned';
  if (priority !== undefined) line += `; Priority=${priority}`;
  return line;
}

function checkAttribute(option: 'path' | 'domain', value: unknown): void {
  if (typeof value !== 'string' || !ATTRIBUTE_VALUE.test(value)) {
    throw new TypeError(`${option} must be a string of printable ASCII without control characters or ";", got ${JSON.stringify(value)}`);
  }
}
