/**
 * Keys derived from a real one: the strings real stores confuse with it (SPEC §2: a session is found
 * only by exactly the key handed out). Each variant belongs to a family, the store bug it exposes:
 * a case-insensitive collation, a `PAD SPACE` comparison, an id column shorter than the key, a
 * `LIKE` or `SCAN MATCH` pattern built from the key, a file name, a C string, a URL decoder, a
 * Unicode normaliser.
 *
 * Families are listed in that order and variants by family, so that shrinking (which moves a
 * variant's index towards 0) ends on the simplest variant a store confuses. Whether a store
 * confuses a variant must not depend on the random key it came from (a replay meets other keys):
 * so no variant hinges on which letters a key happens to hold.
 */

/** The store bug a variant exposes, as the clause a failure names. */
export interface KeyVariantFamily {
  /** Stable kebab-case id. */
  readonly id: string;
  /** The rule's clause: `a key in other case is another key`. */
  readonly clause: string;
}

export const KEY_VARIANT_FAMILIES = {
  case: { id: 'case', clause: 'a key in other case is another key (compared code unit for code unit, no case folding)' },
  blank: { id: 'blank', clause: 'a key with surrounding or trailing spaces or tabs is another key (nothing is trimmed or padded)' },
  length: { id: 'length', clause: 'a truncated or extended key is another key (all of it is compared, however long)' },
  pattern: { id: 'pattern', clause: 'a key holding SQL LIKE or glob wildcards (% _ * ? [) is another key, never a pattern' },
  path: { id: 'path', clause: 'a key with path pieces (../ / \\ .) is another key, never a file path' },
  control: { id: 'control', clause: 'a key with NUL or other control characters is another key (nothing is cut or stripped)' },
  percent: { id: 'percent', clause: 'a percent-encoded key is another key (nothing is decoded)' },
  lookalike: { id: 'lookalike', clause: 'a look-alike or Unicode-normalised form of a key is another key (no normalisation)' },
} as const satisfies Record<string, KeyVariantFamily>;

/** One way of deriving a string from a key. */
export interface KeyVariant {
  readonly family: KeyVariantFamily;
  /** How a step names it, after the key's name: `k1` + ` in upper case`. */
  readonly label: string;
  readonly apply: (key: string) => string;
  /** The same as a TypeScript expression over the key's variable name. */
  readonly code: (name: string) => string;
}

const F = KEY_VARIANT_FAMILIES;

/** Swaps the case of every letter. */
function swapCase(key: string): string {
  return key.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
}

/** The index of the first letter (a case change has something to change), or 0. */
function firstLetter(key: string): number {
  const at = key.search(/[A-Za-z]/);
  return at === -1 ? 0 : at;
}

/** `key` with the unit at `index` replaced by `by`. */
function replaceAt(key: string, index: number, by: string): string {
  return key.slice(0, index) + by + key.slice(index + 1);
}

/** Fullwidth forms (U+FF01..U+FF5E) of ASCII: what NFKC folds back to the key. */
function fullwidth(key: string): string {
  return key.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}


const mid = (key: string) => Math.floor(key.length / 2);


export const KEY_VARIANTS: readonly KeyVariant[] = [
  { family: F.case, label: 'in upper case', apply: (k) => k.toUpperCase(), code: (n) => `${n}.toUpperCase()` },
  { family: F.case, label: 'in lower case', apply: (k) => k.toLowerCase(), code: (n) => `${n}.toLowerCase()` },
  { family: F.case, label: 'with every letter in the other case', apply: swapCase, code: (n) => `${n}.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))` },
  {
    family: F.case,
    label: 'with one letter in the other case',
    apply: (k) => replaceAt(k, firstLetter(k), swapCase(k.charAt(firstLetter(k)))),
    code: (n) => `${n}.replace(/[A-Za-z]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))`,
  },
  { family: F.blank, label: 'with a trailing space', apply: (k) => `${k} `, code: (n) => `${n} + ' '` },
  { family: F.blank, label: 'with three trailing spaces', apply: (k) => `${k}   `, code: (n) => `${n} + '   '` },
  { family: F.blank, label: 'with a leading space', apply: (k) => ` ${k}`, code: (n) => `' ' + ${n}` },
  { family: F.blank, label: 'with a trailing tab', apply: (k) => `${k}\t`, code: (n) => `${n} + '\\t'` },
  { family: F.blank, label: 'between spaces and tabs', apply: (k) => ` \t${k}\t `, code: (n) => `' \\t' + ${n} + '\\t '` },
  { family: F.length, label: 'without its last character', apply: (k) => k.slice(0, -1), code: (n) => `${n}.slice(0, -1)` },
  { family: F.length, label: 'with one more character', apply: (k) => `${k}x`, code: (n) => `${n} + 'x'` },
  { family: F.length, label: 'cut to 32 characters', apply: (k) => k.slice(0, 32), code: (n) => `${n}.slice(0, 32)` },
  { family: F.length, label: 'cut to 22 characters', apply: (k) => k.slice(0, 22), code: (n) => `${n}.slice(0, 22)` },
  // A digit for the last character: never the same letter in other case, whatever the key.
  { family: F.length, label: 'with its last character changed', apply: (k) => k.slice(0, -1) + (k.endsWith('0') ? '1' : '0'), code: (n) => `${n}.slice(0, -1) + (${n}.endsWith('0') ? '1' : '0')` },
  { family: F.length, label: 'doubled', apply: (k) => k + k, code: (n) => `${n} + ${n}` },
  { family: F.length, label: 'extended to 300 characters', apply: (k) => k.padEnd(300, 'Z'), code: (n) => `${n}.padEnd(300, 'Z')` },
  { family: F.pattern, label: "with '_' for its first letter", apply: (k) => replaceAt(k, firstLetter(k), '_'), code: (n) => `${n}.replace(/[A-Za-z]/, '_')` },
  { family: F.pattern, label: "cut to 8 characters and '%'", apply: (k) => `${k.slice(0, 8)}%`, code: (n) => `${n}.slice(0, 8) + '%'` },
  { family: F.pattern, label: "as '%' alone", apply: () => '%', code: () => `'%'` },
  { family: F.pattern, label: "cut to 8 characters and '*'", apply: (k) => `${k.slice(0, 8)}*`, code: (n) => `${n}.slice(0, 8) + '*'` },
  { family: F.pattern, label: "as '*' alone", apply: () => '*', code: () => `'*'` },
  { family: F.pattern, label: "with its last character replaced by '?'", apply: (k) => `${k.slice(0, -1)}?`, code: (n) => `${n}.slice(0, -1) + '?'` },
  {
    family: F.pattern,
    label: 'with its first character as a [class]',
    apply: (k) => `[${k.charAt(0)}x]${k.slice(1)}`,
    code: (n) => `'[' + ${n}.charAt(0) + 'x]' + ${n}.slice(1)`,
  },
  { family: F.path, label: "after './'", apply: (k) => `./${k}`, code: (n) => `'./' + ${n}` },
  { family: F.path, label: "after 'x/../'", apply: (k) => `x/../${k}`, code: (n) => `'x/../' + ${n}` },
  { family: F.path, label: "after '../'", apply: (k) => `../${k}`, code: (n) => `'../' + ${n}` },
  { family: F.path, label: "after '/'", apply: (k) => `/${k}`, code: (n) => `'/' + ${n}` },
  { family: F.path, label: "with a trailing '/'", apply: (k) => `${k}/`, code: (n) => `${n} + '/'` },
  { family: F.path, label: "after 'x\\..\\'", apply: (k) => `x\\..\\${k}`, code: (n) => `'x\\\\..\\\\' + ${n}` },
  { family: F.path, label: "with a trailing '.'", apply: (k) => `${k}.`, code: (n) => `${n} + '.'` },
  { family: F.control, label: 'with a NUL appended', apply: (k) => `${k}\u0000`, code: (n) => `${n} + '\\u0000'` },
  { family: F.control, label: 'with a NUL and more after it', apply: (k) => `${k}\u0000tail`, code: (n) => `${n} + '\\u0000tail'` },
  { family: F.control, label: 'with a NUL in the middle', apply: (k) => k.slice(0, mid(k)) + '\u0000' + k.slice(mid(k)), code: (n) => `${n}.slice(0, ${n}.length >> 1) + '\\u0000' + ${n}.slice(${n}.length >> 1)` },
  { family: F.control, label: 'with a trailing CR LF', apply: (k) => `${k}\r\n`, code: (n) => `${n} + '\\r\\n'` },
  { family: F.control, label: 'with U+0001 and DEL inside', apply: (k) => `${k.slice(0, 3)}\u0001${k.slice(3)}\u007f`, code: (n) => `${n}.slice(0, 3) + '\\u0001' + ${n}.slice(3) + '\\u007f'` },
  { family: F.control, label: 'with a zero-width space appended', apply: (k) => `${k}\u200b`, code: (n) => `${n} + '\\u200b'` },
  {
    family: F.percent,
    label: 'with its first character percent-encoded',
    apply: (k) => `%${k.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}${k.slice(1)}`,
    code: (n) => `'%' + ${n}.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0') + ${n}.slice(1)`,
  },
  {
    family: F.percent,
    label: 'percent-encoded in full',
    apply: (k) => [...k].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    code: (n) => `[...${n}].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('')`,
  },
  { family: F.percent, label: "with '%20' appended", apply: (k) => `${k}%20`, code: (n) => `${n} + '%20'` },
  { family: F.lookalike, label: 'in fullwidth forms (NFKC gives the key back)', apply: fullwidth, code: (n) => `${n}.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))` },
  {
    family: F.lookalike,
    label: 'with one character in fullwidth form',
    apply: (k) => replaceAt(k, mid(k), fullwidth(k.charAt(mid(k)))),
    code: (n) => `${n}.slice(0, ${n}.length >> 1) + String.fromCharCode(${n}.charCodeAt(${n}.length >> 1) + 0xfee0) + ${n}.slice((${n}.length >> 1) + 1)`,
  },
  {
    family: F.lookalike,
    label: 'with a combining mark after its first character',
    apply: (k) => `${k.charAt(0)}\u0301${k.slice(1)}`,
    code: (n) => `${n}.charAt(0) + '\\u0301' + ${n}.slice(1)`,
  },
];

/**
 * One variant per family, most telling first: when a store confuses the variant a run drew, these
 * are asked too, and the first one it also confuses names the bug. `k + 'x'` found means the store
 * cuts keys (it would find `k + ' '` too); `k + ' '` found alone means it trims or pads spaces.
 */
export const DIAGNOSTIC_VARIANTS: readonly KeyVariant[] = [
  KEY_VARIANTS.find((v) => v.label === 'with one more character')!,
  KEY_VARIANTS.find((v) => v.label === "cut to 8 characters and '%'")!,
  KEY_VARIANTS.find((v) => v.label === "cut to 8 characters and '*'")!,
  KEY_VARIANTS.find((v) => v.label === 'with a trailing space')!,
  KEY_VARIANTS.find((v) => v.label === 'with every letter in the other case')!,
  KEY_VARIANTS.find((v) => v.label === "after './'")!,
  KEY_VARIANTS.find((v) => v.label === 'with a NUL and more after it')!,
  KEY_VARIANTS.find((v) => v.label === 'with its first character percent-encoded')!,
  KEY_VARIANTS.find((v) => v.label === 'in fullwidth forms (NFKC gives the key back)')!,
];
