// Screenshots of a paper report in headless Chromium (playwright-core), for docs/: the top of the
// page, each paper section from its heading to the end of its "published numbers" table, and the
// size section's differences and hypotheses, at 1280 px wide (each part short enough to stay a
// small PNG).
//   node scripts/report-screenshots.mjs REPORT.html OUT_DIR [PREFIX]
// The Chromium is MI_IDENT_CHROMIUM or /usr/bin/chromium.
import { chromium } from 'playwright-core';
import { mkdirSync, statSync } from 'node:fs';
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
  const shot = async (name, clip) => {
    const path = join(outDir, `${prefix}-${name}.png`);
    await page.screenshot({ path, fullPage: Boolean(clip), clip });
    written.push(`${path} (${Math.round(statSync(path).size / 1024)} KB)`);
  };
  /** The page-coordinate box from the top of `from` to the bottom of `to` (selectors inside the section). */
  const span = (id, from, to) => page.evaluate(([id, from, to]) => {
    const s = document.getElementById(id);
    const a = (from ? s.querySelector(from) : s)?.getBoundingClientRect();
    const b = (to ? s.querySelector(to) : s)?.getBoundingClientRect();
    if (!a || !b) return null;
    const r = s.getBoundingClientRect();
    return { x: Math.max(0, r.left - 8), y: a.top + window.scrollY - 8, width: r.width + 16, height: b.bottom - a.top + 16 };
  }, [id, from, to]);
  await shot('top');
  for (const id of await page.locator('section.paper').evaluateAll((els) => els.map((e) => e.id))) {
    const name = id.replace(/^paper-/, '');
    const clip = await span(id, null, 'table.refs');
    if (clip) await shot(name, clip);
    const why = id === 'paper-size' ? await span(id, 'h3', null) : null;
    if (why) await shot(`${name}-hypotheses`, why);
  }
  console.log(written.join('\n'));
} finally {
  await browser.close();
}
