// Screenshots of a report page in headless Chromium (playwright-core), for docs/: the top of the
// page and each paper section, at 1280 px wide.
//   node scripts/report-screenshots.mjs REPORT.html OUT_DIR [PREFIX]
// The Chromium is MI_IDENT_CHROMIUM or /usr/bin/chromium.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, outDir, prefix = 'paper-report'] = process.argv.slice(2);
if (!report || !outDir) {
  console.error('usage: node scripts/report-screenshots.mjs REPORT.html OUT_DIR [PREFIX]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.MI_IDENT_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(report)).href);
  const written = [];
  const shot = async (name, locator) => {
    const path = join(outDir, `${prefix}-${name}.png`);
    await (locator ? locator.screenshot({ path }) : page.screenshot({ path }));
    written.push(path);
  };
  await shot('top');
  for (const id of await page.locator('section.paper').evaluateAll((els) => els.map((e) => e.id))) await shot(id.replace(/^paper-/, ''), page.locator(`#${id}`));
  console.log(written.join('\n'));
} finally {
  await browser.close();
}
