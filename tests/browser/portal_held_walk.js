// Walks the captive portal's held pages (ADR 0048) in Debian's chromium (headless) at a phone's
// viewport, as a customer would: the login page, a walled subscriber's right password (the pay page
// with its link), a subscriber at a "redirect" fair-use tier (the top-up page with the plan, the
// counters and the self-care link), and a wrong password (the login form again). Every page: a
// screenshot and axe-core (no serious or critical violation), and no sideways scrolling.
// Prints one JSON line: {"ok": bool, "seen": [...], "checks": {...}, "error": "..."}.
//
//   node portal_held_walk.js --url http://127.0.0.1:PORT/ --out DIR
const { arg, launch, record } = require('./walk_lib');

(async () => {
  const base = arg('url');
  const out = arg('out');
  const browser = await launch();
  const seen = [];
  const checks = {};
  const result = { ok: false, seen, checks };
  let page;
  const shot = async (name, status) => {
    seen.push({ name, status, text: (await page.innerText('main')).slice(0, 600), ...(await record(page, out, name)) });
  };
  const login = async (user, password) => {
    await page.fill('#u', user);
    await page.fill('#p', password);
    await page.locator('form[action="/login"] input[name=accept]').check();
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
    return resp.status();
  };
  try {
    const context = await browser.newContext({
      bypassCSP: true,  // only so axe-core can be injected
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    });
    page = await context.newPage();
    const resp = await page.goto(base);
    await shot('login', resp.status());
    await shot('pay', await login('walt', 'walt-pass-12'));
    checks.payLink = await page.getAttribute('a[rel=noopener]', 'href');
    await page.goto(base);
    await shot('top-up', await login('rita', 'rita-pass-12'));
    checks.topUpLink = await page.getAttribute('a[rel=noopener]', 'href');
    await page.goto(base);
    await shot('wrong-password', await login('walt', 'not-the-password'));
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack ? e.stack : e);
  }
  await browser.close();
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
})();
