// Phone-sized screenshots of technician UI pages for the operator guide, in Debian's chromium
// (headless): signs in, opens each page at 390x844 (a phone, touch), waits for its charts, runs
// axe-core (no serious or critical violation) and saves NAME.png full-page into --out.
// Prints one JSON line: {"ok": bool, "shots": [{"name", "url", "status", "violations", "bytes"}], "error"}.
//
//   node webui_shots.js --url https://127.0.0.1:PORT/ --out DIR --user U --password P
//                       --pages '[["webui-phone-overview", ""], ["webui-phone-gateway", "gateway"]]'
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

function arg(name) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error('missing --' + name);
  return process.argv[i + 1];
}

(async () => {
  const base = arg('url').replace(/\/?$/, '/');
  const out = arg('out');
  const pages = JSON.parse(arg('pages'));
  fs.mkdirSync(out, { recursive: true });
  const axePath = require.resolve('axe-core/axe.min.js');
  const result = { ok: false, shots: [] };
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  let page;
  try {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,  // the box's own certificate
      bypassCSP: true,          // only so axe-core can be injected
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1,
    });
    page = await context.newPage();
    await page.goto(base + 'login');
    await page.fill('#username', arg('user'));
    await page.fill('#password', arg('password'));
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
    if (new URL(page.url()).pathname !== '/') throw new Error(`did not get in: ${page.url()}`);
    for (const [name, url] of pages) {
      const resp = await page.goto(base + url);
      await page.waitForSelector('.chart canvas', { timeout: 3000 }).catch(() => {});
      const file = path.join(out, name + '.png');
      await page.screenshot({ path: file, fullPage: true });
      await page.addScriptTag({ path: axePath });
      const violations = (await page.evaluate(async () => {
        const res = await window.axe.run(document, { resultTypes: ['violations'] });
        return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
          target: v.nodes.slice(0, 2).map((n) => n.target.join(' ')) }));
      })).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      result.shots.push({ name, url: page.url(), status: resp.status(), violations, bytes: fs.statSync(file).size,
        text: (await page.innerText('main')).slice(0, 2000) });
    }
    await context.close();
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack || e);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
})();
