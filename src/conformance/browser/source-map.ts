/**
 * Stacks from the page, mapped back to the user's files: no engine source-maps `error.stack`
 * itself, so `…/bundle.js:L:C` frames are rewritten with the bundle's map (rolldown writes it;
 * sourcemap-codec decodes it).
 */
import type { Decode } from './tools.js';

/** The bundle's source map: absolute source paths and the encoded mappings. */
export interface BundleMap {
  sources: string[];
  mappings: string;
}

/**
 * A function that rewrites every bundle frame in a text to `file:line:column`. Chromium and
 * WebKit write frames as `http://127.0.0.1:P/bundle.js:L:C`, Firefox as `…/bundle.js:L:C` after
 * an `@`; both forms match.
 */
export function makeStackMapper(decode: Decode, map: BundleMap): (text: string) => string {
  let lines: ReturnType<Decode> | undefined;
  return (text) =>
    text.replace(/https?:\/\/127\.0\.0\.1:\d+\/bundle\.js:(\d+):(\d+)/g, (frame, line: string, column: string) => {
      lines ??= decode(map.mappings);
      const segments = lines[Number(line) - 1];
      if (segments === undefined) return frame;
      const col = Number(column) - 1;
      let best: (typeof segments)[number] | undefined;
      for (const segment of segments) {
        if (segment[0] > col) break;
        best = segment;
      }
      if (best === undefined || best.length < 4) return frame;
      return `${map.sources[best[1]!] ?? '?'}:${best[2]! + 1}:${best[3]! + 1}`;
    });
}
