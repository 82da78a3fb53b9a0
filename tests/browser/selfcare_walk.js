// Walks one tenant's self-care portal in Debian's chromium (headless) at a phone's viewport, as a
// subscriber would: the sign-in page, a wrong password (its message next to the field), signing in,
// the dashboard, the invoices (the PDF link answers a PDF), the contact form refused with its message
// next to the email field, changing plan up to its preview, buying a top-up up to the provider's link, the help
// page, signing out. Every page: a screenshot and axe-core (no
// serious or critical violation), and no sideways scrolling.
// Prints one JSON line: {"ok": bool, "seen": [...], "checks": {...}, "error": "..."}.
//
//   node selfcare_walk.js --url https://127.0.0.1:PORT/selfcare/TENANT/ --out DIR --login USER --password PW
const { arg, launch, record } = require('./walk_lib');


(async () => {
  const base = arg('url');
  const out = arg('out');
  const login = arg('login');
  const password = arg('password');
  const browser = await launch();
  const seen = [];
  const checks = {};
  const result = { ok: false, seen, checks };
  let page;
  const shot = async (name, status) => {
    seen.push({ name, status, ...(await record(page, out, name)) });
  };
  try {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,  // mgmtd's certificate comes from its own CA
      bypassCSP: true,          // only so axe-core can be injected
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    });
    page = await context.newPage();
    let resp = await page.goto(base);
    await shot('sign-in', resp.status());
    // A wrong password: the message is next to the password field.
    await page.fill('#login', login);
    await page.fill('#password', password + '-wrong');
    await Promise.all([page.waitForNavigation(), page.click('form:has(#password) button')]);
    checks.wrongPasswordMessage = await page.locator('#password-error').innerText().catch(() => '');
    await page.fill('#login', login);
    await page.fill('#password', password);
    await Promise.all([page.waitForNavigation(), page.click('form:has(#password) button')]);
    await shot('dashboard', 200);
    checks.dashboardHasChart = (await page.locator('svg.usage-chart').count()) === 1;
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/invoices"]')]);
    await shot('invoices', 200);
    const pdfHref = await page.locator('a[href$=".pdf"]').first().getAttribute('href');
    const pdf = await page.evaluate(async (href) => {
      const r = await fetch(href, { credentials: 'same-origin' });
      return { status: r.status, type: r.headers.get('content-type') };
    }, pdfHref);
    checks.pdf = pdf;
    // Pay by card (when the tenant has a provider account): the page with the provider's link.
    if ((await page.locator('form[action$="/pay"] button').count()) > 0) {
      await Promise.all([page.waitForNavigation(), page.locator('form[action$="/pay"] button').first().click()]);
      await shot('pay', 200);
      checks.payLink = await page.locator('main a[href*="/pay/"]').first().getAttribute('href').catch(() => '');
    }
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/contact"]')]);
    await shot('contact', 200);
    await page.fill('#email', 'not an email');
    await Promise.all([page.waitForNavigation(), page.click('main form:has(#email) button')]);
    checks.emailError = await page.locator('#email-error').innerText().catch(() => '');
    await shot('contact-refused', 400);
    // Change plan: the choices, then the preview (the engine's proration) with its confirm button;
    // the walk keeps the plan.
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/plan"]')]);
    await shot('plan', 200);
    await page.locator('input[name="plan"]').first().check();
    await Promise.all([page.waitForNavigation(), page.click('main form[action$="/plan-preview"] button')]);
    await shot('plan-preview', 200);
    checks.planConfirm = (await page.locator('form[action$="/plan-change"] button').count()) === 1;
    // Top-ups: the tenant's products with their price; choosing one leads to the provider's link.
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/topup"]')]);
    await shot('topup', 200);
    await page.locator('input[name="product"]').first().check();
    await Promise.all([page.waitForNavigation(), page.click('main form[action$="/topup-buy"] button')]);
    await shot('topup-pay', 200);
    checks.topupPayLink = await page.locator('main a[href*="/pay/"]').first().getAttribute('href').catch(() => '');
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/help"]')]);
    await shot('help', 200);
    await Promise.all([page.waitForNavigation(), page.click('nav button:has-text("Sign out")')]);
    checks.signedOut = (await page.locator('#password').count()) === 1;
    result.ok = checks.wrongPasswordMessage.includes('do not match') && checks.dashboardHasChart &&
      pdf.status === 200 && pdf.type === 'application/pdf' && checks.emailError.includes('not an email') && checks.planConfirm && !!checks.topupPayLink &&
      checks.signedOut && seen.every((s) => s.violations.length === 0 && !s.overflow);
  } catch (e) {
    result.error = String(e && e.stack || e);
  } finally {
    await browser.close();
    console.log(JSON.stringify(result));
  }
})();
