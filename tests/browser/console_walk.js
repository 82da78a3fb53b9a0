// Walks the management console in Debian's chromium (headless) as each account, the way a person
// would: sign in, every page their role has (screenshot + axe-core: no serious or critical
// violation), a customer form refused with its message next to the field then saved, the search, and
// what the server must refuse whatever the page shows:
//   - a read-only role's change posted with a valid CSRF token: 403;
//   - a form posted without its CSRF token: 403;
//   - a platform page opened by a tenant's person: 403; another tenant's customer: 404, no data;
//   - another tenant's invoice from the platform ("--foreign-invoice"): 404;
//   - an account with "pages" walks only those; a partner's person ("partner": true) then checks that
//     another partner's portal pages ("--foreign-partner") are 404 and a tenant's page 403.
// Prints one JSON line: {"ok": bool, "seen": [...], "checks": {...}, "error": "..."}.
//
//   node console_walk.js --url https://127.0.0.1:PORT/ --out DIR --accounts JSON --tenant ID
//                        --foreign-customer ID [--foreign-partner ID] [--foreign-invoice ID]
// JSON: [{"name": "platform", "token": "...", "platform": true, "phone": false, "writes": true}, ...]; a
// person signs in with "email" and "password" (and "totp": the base32 secret) instead of "token".
const { arg, launch, record } = require('./walk_lib');
const fs = require('fs');

// RFC 6238 (SHA-1, 30 s, 6 digits) from a base32 secret, as an authenticator app computes it.
function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const h = require('crypto').createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}


const PLATFORM_PAGES = [
  ['tenants', 'tenants'],
  ['tenant', 'tenant?tenant=T'],
  ['devices', 'devices?tenant=T'],
  ['plans', 'plans?tenant=T'],
  ['customers', 'customers?tenant=T'],
  ['customer-new', 'customer?tenant=T&new=1'],
  ['sessions', 'sessions?tenant=T'],
  ['dunning', 'dunning?tenant=T'],
  ['payments', 'payments?tenant=T'],
  ['reports', 'reports?tenant=T'],
  ['firmware', 'firmware?tenant=T'],
  ['imports', 'imports?tenant=T'],
  // Insight (issue 26): the platform's tenant health, and a demo tenant's filled pages (--demo-tenant D).
  ['health', 'health'],
  ['insight', 'insight?tenant=D'],
  ['alerts', 'alerts?tenant=D'],
  ['notifications', 'notifications?tenant=D'],
  ['notify', 'notification-settings?tenant=D'],
  ['network', 'network?tenant=D'],
  ['tokens', 'tokens'],
  ['help', 'help'],
];
// People signed in by email also walk the pages of staff, tokens, audit and their own account (the
// token accounts' roles reach the same routes; one walk of each page per level keeps the test short).
const PERSON_PAGES = {
  tenant: [['people', 'people'], ['tokens', 'tokens'], ['audit', 'audit'], ['settings', 'settings'], ['account', 'account']],
  platform: [['people', 'people'], ['audit', 'audit'], ['account', 'account']],
};
const TENANT_PAGES = [
  ['dashboard', ''],
  ['devices', 'devices'],
  ['plans', 'plans'],
  ['customers', 'customers'],
  ['customers-search', 'customers?q=silva'],
  ['customer-new', 'customer?new=1'],
  ['sessions', 'sessions'],
  ['dunning', 'dunning'],
  ['payments', 'payments'],
  ['reports', 'reports'],
  ['firmware', 'firmware'],
  ['imports', 'imports'],
  ['alerts', 'alerts'],
  ['notify', 'notification-settings'],
  ['network', 'network'],
  ['help', 'help'],
];

(async () => {
  const base = arg('url').replace(/\/?$/, '/');
  const out = arg('out');
  const accounts = JSON.parse(arg('accounts'));
  const tenant = arg('tenant');
  const foreign = arg('foreign-customer');
  const demoTenant = process.argv.includes('--demo-tenant') ? arg('demo-tenant') : tenant;
  const foreignPartner = process.argv.includes('--foreign-partner') ? arg('foreign-partner') : '';
  // Billing (issue 24): another tenant's payment, and an online payment the walk refunds.
  const foreignPayment = process.argv.includes('--foreign-payment') ? arg('foreign-payment') : '';
  const refundPayment = process.argv.includes('--refund-payment') ? arg('refund-payment') : '';
  const foreignInvoice = process.argv.includes('--foreign-invoice') ? arg('foreign-invoice') : '';
  fs.mkdirSync(out, { recursive: true });
  const browser = await launch();
  const seen = [];
  const checks = {};
  let page;
  const result = { ok: false, seen, checks };

  const shot = async (name, status) => {
    seen.push({ name, status, ...(await record(page, out, name)), text: (await page.innerText('main')).slice(0, 3000) });
  };
  const post = async (url, fields, withToken) => page.evaluate(async ({ url, fields, withToken }) => {
    const body = new URLSearchParams(fields);
    if (withToken) body.set('csrf', document.querySelector('input[name=csrf]').value);
    const r = await fetch(url, { method: 'POST', body, credentials: 'same-origin', redirect: 'manual' });
    return r.status;
  }, { url: base + url, fields, withToken });

  try {
    for (const a of accounts) {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,  // mgmtd's certificate comes from its own CA
        bypassCSP: true,          // only so axe-core can be injected; the CSP itself is checked by the test
        viewport: a.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
        isMobile: a.phone, hasTouch: a.phone,
      });
      page = await context.newPage();
      const resp0 = await page.goto(base + 'login');
      await shot(`${a.name}-00-login`, resp0.status());
      if (a.email && !a.totp) {
        // The "forgot password" form, reached from the sign-in page.
        await Promise.all([page.waitForNavigation(), page.click('a[href="/forgot"]')]);
        await shot(`${a.name}-00-forgot`, 200);
        await page.goto(base + 'login');
      }
      if (a.token) {
        // Integrations: the API token form, folded under the people's form.
        await page.click('details summary');
        await page.fill('#token', 'k-nothing.wrong');
        await Promise.all([page.waitForNavigation(), page.click('form:has(#token) button')]);
        checks[`${a.name}-bad-token-message`] = await page.locator('#token-error').innerText().catch(() => '');
        await page.fill('#token', a.token);
        await Promise.all([page.waitForNavigation(), page.click('form:has(#token) button')]);
      } else {
        // People: email and password (a wrong one: the message next to the password field), then
        // the one-time code when the account has TOTP.
        await page.fill('#email', a.email);
        await page.fill('#password', a.password + '-wrong');
        await Promise.all([page.waitForNavigation(), page.click('form:has(#email) button')]);
        checks[`${a.name}-wrong-password-message`] = await page.locator('#password-error').innerText().catch(() => '');
        await shot(`${a.name}-00-login-wrong-password`, 401);
        await page.fill('#email', a.email);
        await page.fill('#password', a.password);
        await Promise.all([page.waitForNavigation(), page.click('form:has(#email) button')]);
        if (a.totp) {
          checks[`${a.name}-code-asked`] = await page.locator('#code').isVisible();
          await shot(`${a.name}-00-login-code`, 200);
          await page.fill('#password', a.password);
          // A step is used once: one the test already used (enrolling) is waited out.
          while (a.totp_used_step !== undefined && Math.floor(Date.now() / 1000 / 30) <= a.totp_used_step)
            await new Promise((done) => setTimeout(done, 500));
          await page.fill('#code', totp(a.totp));
          await Promise.all([page.waitForNavigation(), page.click('form:has(#email) button')]);
        }
      }
      if (new URL(page.url()).pathname === '/login') throw new Error(`${a.name} did not get in: ${await page.innerText('main')}`);
      let i = 1;
      if (a.pages) {
        // An account that walks only the pages it names (the partner portal's test), then the checks
        // of a partner's person when it is one.
        for (const [name, url] of a.pages) {
          const resp = await page.goto(base + url);
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-${name}`, resp.status());
        }
        checks[`${a.name}-nav`] = await page.locator('nav[aria-label=Main] ul >> nth=0 >> a').allInnerTexts();
        if (!a.partner) {
          await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
          await context.close();
          continue;
        }
        await page.goto(base);
        checks[`${a.name}-chart`] = await page.locator('figure svg.funnel-chart rect').count();
        checks[`${a.name}-referral`] = await page.inputValue('#referral-code');
        // Another partner's pages: not found, whatever is asked; a tenant's pages: refused.
        for (const p of ['partner', 'partner/statement', 'partner/payouts', 'partner/customers', 'partner/health'])
          checks[`${a.name}-foreign-${p}`] = (await page.goto(base + p + '?partner=' + encodeURIComponent(foreignPartner))).status();
        checks[`${a.name}-customers-page`] = (await page.goto(base + 'customers')).status();
        checks[`${a.name}-partners-page`] = (await page.goto(base + 'partners')).status();
        await page.goto(base);
        checks[`${a.name}-no-csrf`] = await post('partner/invite', { email: 'x@example.com', partner: foreignPartner }, false);
        checks[`${a.name}-invite-refused`] = await post('partner/invite', { email: 'x@example.com', partner: foreignPartner }, true);
        await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
        checks[`${a.name}-signed-out`] = new URL(page.url()).pathname;
        checks[`${a.name}-after-sign-out`] = new URL((await page.goto(base + 'partner')).url()).pathname;
        await context.close();
        continue;
      }
      for (const [name, url] of a.platform ? PLATFORM_PAGES : TENANT_PAGES) {
        const resp = await page.goto(base + url.replace('T', encodeURIComponent(tenant)).replace('=D', '=' + encodeURIComponent(demoTenant)));
        if (name === 'dashboard' || name === 'tenant' || name === 'sessions')
          await page.waitForSelector('.chart canvas', { timeout: 3000 }).catch(() => {});
        await shot(`${a.name}-${String(i++).padStart(2, '0')}-${name}`, resp.status());
      }
      if (a.writes && a.token) {
        // The import dry run from a file (issue 30): the form, then the risk report as a page.
        await page.goto(base + 'imports' + (a.platform ? `?tenant=${encodeURIComponent(tenant)}` : ''));
        await page.selectOption('#imp-source', 'freeradius-users');
        const walkUsers = {
          name: 'users', mimeType: 'text/plain',
          buffer: Buffer.from('walk-one Cleartext-Password := "pw-walk-1"\n  Mikrotik-Rate-Limit = "2M/4M"\n' +
                              'walk-two Crypt-Password := "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"\n  Mikrotik-Rate-Limit = "2M/4M"\n' +
                              'walk-three Cleartext-Password := "pw-walk-3"\n'),
        };
        await page.setInputFiles('#imp-file', walkUsers);
        const [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/imports/dry-run"] button:not([formaction])')]);
        checks[`${a.name}-import-report`] = await page.locator('section[aria-labelledby=report]').innerText().catch(() => '');
        await shot(`${a.name}-${String(i++).padStart(2, '0')}-imports-dry-run`, resp.status());
        if (!a.platform) {
          // The same file imported (ADR 0075): the batch's page with its progress, then what it added
          // (the page looks again by itself while it runs); then the batch rolled back from its row.
          await page.selectOption('#imp-source', 'freeradius-users');
          await page.setInputFiles('#imp-file', walkUsers);
          await Promise.all([page.waitForNavigation(), page.click('form[action="/imports/dry-run"] button[formaction="/imports/apply"]')]);
          const job = page.locator('section[aria-labelledby=job]');
          await job.locator('ul').waitFor({ timeout: 10000 });
          checks[`${a.name}-import-applied`] = await job.innerText();
          checks[`${a.name}-import-url`] = new URL(page.url()).pathname + new URL(page.url()).search.replace(/=.*/, '=');
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-imports-applied`, 200);
          const batch = new URL(page.url()).searchParams.get('batch');
          // The page looks again by itself (Refresh) until the batch is recorded with its row.
          const rollBack = page.locator(`button[aria-label="Roll back batch ${batch}"]`);
          await rollBack.waitFor({ timeout: 30000 });
          await Promise.all([page.waitForNavigation(), rollBack.click()]);
          checks[`${a.name}-import-rolled-back`] = await page.locator('main p[role=status], main p[role=alert]').allInnerTexts();
        }
      }
      if (a.email) {
        for (const [name, url] of PERSON_PAGES[a.platform ? 'platform' : 'tenant']) {
          const resp = await page.goto(base + url);
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-${name}`, resp.status());
        }
        if (!a.totp) {
          // Enrolling a second factor: the QR code is drawn by the server (an <svg>), with the key.
          await Promise.all([page.waitForNavigation(), page.click('form[action="/account/totp"] button')]);
          checks[`${a.name}-totp-qr`] = await page.locator('figure.qr svg').count();
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-account-totp`, 200);
        }
      }
      // What a tenant pays the platform (ADR 0071): the platform's staff read every tenant's bill, a
      // tenant's owner its own subscription and invoice and may pay by the year; other roles, and
      // another tenant's invoice, are refused by the server.
      if (a.platform) {
        for (const [name, url] of [['billing', 'billing'], ['subscription', `subscription?tenant=${encodeURIComponent(tenant)}`]]) {
          const resp = await page.goto(base + url);
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-${name}`, resp.status());
        }
      } else if (a.email) {
        let resp = await page.goto(base + 'subscription');
        await shot(`${a.name}-${String(i++).padStart(2, '0')}-subscription`, resp.status());
        const href = await page.locator('section[aria-labelledby=bills] tbody a').first().getAttribute('href');
        resp = await page.goto(base + href.replace(/^\//, ''));
        checks[`${a.name}-invoice-lines`] = await page.locator('tbody td').allInnerTexts();
        await shot(`${a.name}-${String(i++).padStart(2, '0')}-platform-invoice`, resp.status());
        if (foreignInvoice)
          checks[`${a.name}-foreign-invoice`] = (await page.goto(base + 'subscription/invoice?id=' + encodeURIComponent(foreignInvoice))).status();
        await page.goto(base + 'subscription');
        await page.check('input[name=period][value=year]');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/subscription"] button')]);
        checks[`${a.name}-period-saved`] = await page.locator('main [role=status]').allInnerTexts();
      } else {
        checks[`${a.name}-subscription-page`] = (await page.goto(base + 'subscription')).status();
      }
      checks[`${a.name}-nav`] = await page.locator('nav[aria-label=Main] ul >> nth=0 >> a').allInnerTexts();
      const q = a.platform ? `tenant=${encodeURIComponent(tenant)}&` : '';
      if (!a.platform) {
        // Platform pages are refused by the server, not only missing from the menu.
        checks[`${a.name}-tokens-page`] = (await page.goto(base + 'tokens')).status();
        checks[`${a.name}-tenants-page`] = (await page.goto(base + 'tenants')).status();
        // Another tenant's customer: not found, and nothing of it on the page.
        const r = await page.goto(base + 'customer?id=' + encodeURIComponent(foreign));
        checks[`${a.name}-foreign-customer`] = r.status();
        checks[`${a.name}-foreign-customer-leaks`] = (await page.locator('input[name=name]').count()) > 0;
        await page.goto(base + 'customers');
        checks[`${a.name}-foreign-delete`] = await post('customer/delete', { id: foreign }, true);
        if (foreignPayment) {
          checks[`${a.name}-foreign-payment`] = (await page.goto(base + 'payment?id=' + encodeURIComponent(foreignPayment))).status();
          checks[`${a.name}-reports-svg`] = await (await page.goto(base + 'reports')).ok() &&
            await page.locator('figure svg.report-chart rect').count();
        }
        if (refundPayment && a.writes && a.token) {
          // The refund form of an online payment (issue 24): more than is left is refused next to the
          // amount, what was typed kept; then a part is refunded; the same form again refunds once.
          await page.goto(base + 'payment?id=' + encodeURIComponent(refundPayment));
          await page.fill('#refund-amount', '999.00');
          await page.fill('#refund-reason', 'Walk: too much');
          let [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/payment/refund"] button')]);
          checks[`${a.name}-refund-too-much`] = await page.locator('#refund-amount-error').innerText().catch(() => '');
          checks[`${a.name}-refund-reason-kept`] = await page.inputValue('#refund-reason');
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-payment-refund-refused`, resp.status());
          const key = await page.inputValue('form[action="/payment/refund"] input[name=key]');
          await page.fill('#refund-amount', '5.00');
          await page.fill('#refund-reason', 'Walk: goodwill');
          [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/payment/refund"] button')]);
          checks[`${a.name}-refund-done`] = await page.locator('main p[role=status]').allInnerTexts();
          await shot(`${a.name}-${String(i++).padStart(2, '0')}-payment-refunded`, resp.status());
          checks[`${a.name}-refund-again`] = await post('payment/refund', { id: refundPayment, amount: '5.00', reason: 'Walk: goodwill', key }, true);
        }
      }
      await page.goto(base + `customer?${q}new=1`);
      checks[`${a.name}-no-csrf`] = await post('customer', { name: 'No Token' }, false);
      if (!a.writes) {
        checks[`${a.name}-save-hidden`] = (await page.locator('form[action="/customer"] button').count()) === 0;
        checks[`${a.name}-add-refused`] = await post('customer', { name: 'Read Only Was Here', ...(a.platform ? { tenant } : {}) }, true);
      } else {
        // A bad email: refused, the message next to the field, what was typed kept.
        await page.fill('#f-name', `Walk ${a.name}`);
        await page.fill('#f-email', 'not-an-email');
        await page.fill('#f-tags', 'walk');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/customer"] button')]);
        checks[`${a.name}-email-error`] = await page.locator('#f-email-error').innerText().catch(() => '');
        checks[`${a.name}-name-kept`] = await page.inputValue('#f-name');
        await shot(`${a.name}-20-customer-error`, 400);
        await page.fill('#f-email', `walk.${a.name}@example.com`);
        await Promise.all([page.waitForNavigation(), page.click('form[action="/customer"] button')]);
        checks[`${a.name}-saved-url`] = new URL(page.url()).pathname;
        checks[`${a.name}-saved-name`] = await page.inputValue('#f-name').catch(() => '');
        checks[`${a.name}-saved-alert`] = await page.locator('main p[role=alert]').allInnerTexts();
        await page.goto(base + `customers?${q}q=walk`);
        checks[`${a.name}-search-finds`] = await page.locator('tbody a').allInnerTexts();
        await shot(`${a.name}-21-search`, 200);
      }
      await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
      checks[`${a.name}-signed-out`] = new URL(page.url()).pathname;
      checks[`${a.name}-after-sign-out`] = new URL((await page.goto(base + (a.platform ? 'tenants' : 'customers'))).url()).pathname;
      await context.close();
    }
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack || e);
  } finally {
    await browser.close();
    console.log(JSON.stringify(result));
  }
})();
