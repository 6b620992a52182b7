/**
 * Case 2: `parseCookieHeader` against the `cookie` package's `parse` on a small corpus.
 *
 * They do not compute the same thing: `cookie.parse` keeps the first pair of each name and
 * percent-decodes values into an object; `parseCookieHeader` keeps every pair, raw, in order
 * (SPEC §6). Each is timed doing its whole job on the same header.
 */
import { parse as cookieParseLibrary } from 'cookie';
import { parseCookieHeader } from '../../src/cookie/parse.js';
import type { BenchCase } from '../case.js';
import { compare, pairedRatio } from '../compare.js';
import { target } from '../case.js';
import type { Figure, Target } from '../report.js';

/** The corpus: what real `Cookie` headers look like, from one cookie to a header near the 4 KB browsers allow. */
export const cookieCorpus: ReadonlyArray<{ name: string; header: string }> = [
  { name: '1 cookie', header: 'sid=Xc3ttZmE0Yjc4NjE2YzdmNWEzMTQ1ZTgxYjBjNWIw' },
  {
    name: '10 cookies',
    header: [
      '_ga=GA1.2.1234567890.1700000000',
      '_gid=GA1.2.987654321.1700000000',
      'theme=dark',
      'lang=en-GB',
      'sid=Xc3ttZmE0Yjc4NjE2YzdmNWEzMTQ1ZTgxYjBjNWIw',
      'consent=%7B%22analytics%22%3Atrue%7D',
      'tz=Europe%2FLondon',
      'seen_banner=1',
      'ab_bucket=42',
      'csrftoken=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0',
    ].join('; '),
  },
  { name: '4 KB header', header: fourKilobyteHeader() },
];

/** About 4096 bytes of tracking and preference cookies, some quoted, some percent-encoded. */
function fourKilobyteHeader(): string {
  const pairs: string[] = [];
  let length = 0;
  for (let i = 0; length < 4000; i++) {
    const value =
      i % 7 === 0
        ? `"q${i}-${'x'.repeat(30)}"`
        : i % 5 === 0
          ? `%7B%22id%22%3A${i}%2C%22v%22%3A%22${'y'.repeat(20)}%22%7D`
          : `${i.toString(36)}.${'z'.repeat(40)}.${(i * 7919).toString(16)}`;
    const pair = `c${i}_${'k'.repeat(i % 10)}=${value}`;
    pairs.push(pair);
    length += pair.length + 2;
  }
  return pairs.join('; ').slice(0, 4096);
}

/** Parses per timed call: enough that one timer reading covers a few microseconds. */
function batchFor(header: string): number {
  return Math.max(8, Math.round(20_000 / header.length));
}

let sink = 0;

export const cookieParse: BenchCase = {
  id: 'cookie-parse',
  title: 'parseCookieHeader vs cookie.parse (1 cookie, 10 cookies, 4 KB)',
  async run({ comparison }) {
    const figures: Figure[] = [];
    const targets: Target[] = [];
    const detail: Record<string, unknown> = {};
    for (const { name, header } of cookieCorpus) {
      const batch = batchFor(header);
      const result = await compare(
        [
          {
            name: 'parseCookieHeader',
            batch,
            run: () => {
              for (let i = 0; i < batch; i++) sink += parseCookieHeader(header).length;
            },
          },
          {
            name: 'cookie.parse',
            batch,
            run: () => {
              for (let i = 0; i < batch; i++) sink += Object.keys(cookieParseLibrary(header)).length;
            },
          },
        ],
        comparison,
      );
      const ratio = pairedRatio(result, 'cookie.parse', 'parseCookieHeader');
      for (const c of result.contenders) figures.push({ name: `${name} (${header.length} B): ${c.name}`, value: c.medianNs, unit: 'ns/parse' });
      figures.push({ name: `${name}: cookie.parse / parseCookieHeader`, value: ratio, unit: 'x' });
      targets.push(target(`${name}: at least as fast as cookie.parse (cookie.parse / parseCookieHeader >= 1)`, ratio, '>=', 1));
      detail[name] = result;
    }
    if (sink === -1) throw new Error('unreachable: keeps the parses observable');
    return {
      figures,
      targets,
      notes: ['cookie.parse returns the first pair of each name, percent-decoded; parseCookieHeader returns every pair raw (SPEC §6). Each does its whole job; Object.keys on the cookie result only keeps it observable.'],
      detail,
    };
  },
};
