/**
 * Headless Chromium for the UI test and the screenshot script: Debian's `chromium` package
 * (`/usr/bin/chromium`, installed by `.ci/run`) driven by playwright-core, which downloads no
 * browser. The flags keep it off the network (only the local server is reached).
 */
import { chromium, type Browser } from 'playwright-core';

/** Where Debian installs Chromium. @default '/usr/bin/chromium' */
export const CHROMIUM_PATH = process.env['SHARDSTREAM_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags: headless, no sandbox (CI runs as root), and no background traffic to the internet. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Launch headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}
