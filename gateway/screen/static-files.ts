import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's own files, and uPlot (a dependency) from node_modules: everything from the gateway, no CDN. */
const FILES: Record<string, () => string> = {
  '/': () => `${PUBLIC_DIR}index.html`,
  '/vendor/uplot.js': () => require.resolve('uplot/dist/uPlot.esm.js'),
  '/vendor/uplot.css': () => require.resolve('uplot/dist/uPlot.min.css'),
};
for (const f of ['index.html', 'app.js', 'style.css', 'audio.js', 'render.js', 'format.js', 'tiles.js', 'alarm-panel.js', 'detail.js', 'audit.js', 'flash.js']) {
  FILES[`/${f}`] = () => `${PUBLIC_DIR}${f}`;
}

export function isStaticPath(path: string): boolean {
  return Object.prototype.hasOwnProperty.call(FILES, path);
}

export async function serveStatic(path: string, res: ServerResponse): Promise<void> {
  const file = FILES[path]!();
  const body = await readFile(file);
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': "default-src 'self'; connect-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
  });
  res.end(body);
}
