// What the browser walks share: their command-line arguments, Debian's chromium (headless), and what
// each page they visit is checked for: axe-core's serious and critical violations, and whether the
// page scrolls sideways (wider than the screen).
const { chromium } = require('playwright-core');
const path = require('path');

const axePath = require.resolve('axe-core/axe.min.js');

// The value after --name on the command line; a walk without it cannot run.
function arg(name) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error('missing --' + name);
  return process.argv[i + 1];
}

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}

// axe-core over the page as it is now: the serious and critical violations, each with up to two of
// its nodes. (The walks' browser contexts bypass CSP only so that this script can be injected.)
async function seriousViolations(page) {
  await page.addScriptTag({ path: axePath });
  const all = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      target: v.nodes.slice(0, 2).map((n) => n.target.join(' ')) }));
  });
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// A full-page screenshot as out/file.png, then the page's violations and whether it scrolls
// sideways (only tables may, inside their own region), with its URL and title; a title that repeats
// one of its parts throws.
async function record(page, out, file) {
  await page.screenshot({ path: path.join(out, file + '.png'), fullPage: true });
  const violations = await seriousViolations(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  const title = await page.title();
  // The frame adds the product's name after the page's own title: a page that adds it too reads
  // "Plans - mgmt console - mgmt console" in the tab and the history.
  const parts = title.split(' - ');
  if (new Set(parts).size !== parts.length) throw new Error(`${file}: the page title repeats itself: "${title}"`);
  return { url: page.url(), title, violations, overflow };
}

module.exports = { arg, launch, seriousViolations, record };
