import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { packageRoot } from '../../core/package-root.js';
import { InvalidInputError } from '../../core/errors.js';

/** The UI's folder in the package: plain HTML, CSS and JS, read at run time (tsc copies no such files to dist/). */
export const UI_DIR = join('src', 'server', 'ui');

/** The page as sent, with its security headers. */
export interface UiPage {
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
}

const STYLE_TAG = '<link rel="stylesheet" href="app.css">';
const SCRIPT_TAG = '<script src="app.js"></script>';

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/**
 * Read the UI files and build the one HTML response: the stylesheet and script are inlined, so
 * the page needs no second request (which a browser could not send with the bearer token), and
 * the Content-Security-Policy allows exactly those two inline blocks (by hash), images from
 * `blob:` URLs and fetch() to this server only.
 */
export function loadUiPage(dir = join(packageRoot(), UI_DIR)): UiPage {
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  const html = read('index.html');
  const css = read('app.css');
  const js = read('app.js');
  for (const tag of [STYLE_TAG, SCRIPT_TAG]) {
    if (html.split(tag).length !== 2) throw new InvalidInputError(join(dir, 'index.html'), `expected ${tag} exactly once`);
  }
  // Function replacements: a `$` in the files must stay as is.
  const page = html.replace(STYLE_TAG, () => `<style>${css}</style>`).replace(SCRIPT_TAG, () => `<script>${js}</script>`);
  const csp = [
    "default-src 'none'",
    `style-src 'sha256-${sha256Base64(css)}'`,
    `script-src 'sha256-${sha256Base64(js)}'`,
    'img-src blob:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    html: page,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
      // The page's URL may hold the token: never send it on as a Referer, never cache the page.
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
  };
}

/**
 * The `Authorization` value carried by `GET /?token=T`: a browser cannot set a header when it
 * opens a page, so `/` (and only `/`) takes the token from its query; the API routes still
 * need the header, which the page sends on each of its fetch() calls.
 */
export function pageAuthorization(request: FastifyRequest): string | undefined {
  if (request.routeOptions.url !== '/' || request.method !== 'GET') return undefined;
  const token = (request.query as Record<string, unknown>)['token'];
  return typeof token === 'string' && token !== '' ? `Bearer ${token}` : undefined;
}
