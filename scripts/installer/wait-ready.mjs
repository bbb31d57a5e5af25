#!/usr/bin/env node
// Waits until the gateway answers /readyz with 200 and /healthz names the expected version.
//
//   node scripts/installer/wait-ready.mjs --config /etc/wardgate/wardgate.yaml --timeout 60 [--version 0.2.0]
//
// The address comes from the config's screen section (0.0.0.0 and :: are asked on loopback), read with this
// release's own config loader. Exit 0 ready (prints the /readyz body), 1 not ready within the timeout (prints the
// last answer or error), 2 bad usage.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const configPath = opt('--config');
const timeoutS = Number(opt('--timeout') ?? '60');
const want = opt('--version');
if (!configPath || !Number.isFinite(timeoutS)) {
  console.error('usage: wait-ready.mjs --config FILE --timeout SECONDS [--version V]');
  process.exit(2);
}
const release = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { loadConfig } = await import(pathToFileURL(join(release, 'dist/config/load.js')).href);
const { screen } = loadConfig(configPath, {});
const host = ['0.0.0.0', '::', ''].includes(screen.host) ? '127.0.0.1' : screen.host;
const base = `http://${host.includes(':') ? `[${host}]` : host}:${screen.port}`;

const deadline = Date.now() + timeoutS * 1000;
let last = 'no answer yet';
while (Date.now() < deadline) {
  try {
    const health = await (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).json();
    if (want && health.version !== want) {
      last = `/healthz says version ${health.version}, waiting for ${want}`;
    } else {
      const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) });
      const body = await r.text();
      if (r.status === 200) {
        console.log(`wait-ready: ${base} ready, version ${health.version}, schema ${health.storeSchemaVersion ?? '?'}: ${body}`);
        process.exit(0);
      }
      last = `/readyz ${r.status}: ${body}`;
    }
  } catch (err) {
    last = `${base}: ${err.cause?.code ?? err.message}`;
  }
  await new Promise((r) => setTimeout(r, 500));
}
console.error(`wait-ready: not ready within ${timeoutS} s: ${last}`);
process.exit(1);
