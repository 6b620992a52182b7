#!/usr/bin/env node
/**
 * The `sess-conformance` executable: runs {@link main} on the real process and exits with its code.
 */
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
// Exit explicitly: a backend under test may leave handles open (a Redis client it never closed),
// which must not keep the command alive once the report is out. Writes to pipes and files are
// synchronous on Linux and macOS; the empty writes' callbacks make sure of it elsewhere.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
