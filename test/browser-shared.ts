/** Headless Chromium for the browser tests: Debian's chromium driven by playwright-core. */
import { existsSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';

/** The Chromium binary (Debian's package; CHROMIUM_PATH overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or '' when Chromium is installed. */
export function chromiumMissing(): string {
  return existsSync(CHROMIUM) ? '' : `no Chromium at ${CHROMIUM} (apt-get install chromium; or set CHROMIUM_PATH)`;
}

/** Launches headless Chromium with a fresh profile folder; `webgpu` adds --enable-unsafe-webgpu. */
export async function launchChromium(profile: string, { webgpu = false } = {}): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', ...(webgpu ? ['--enable-unsafe-webgpu'] : []), '--no-first-run', '--disable-background-networking'],
  });
}
