// Walks the technician web UI in Debian's chromium (headless) as each role, the way a technician
// would: sign in, every page (screenshot + axe-core: no serious or critical violation), search as you
// type, the changes a role may make, and what the server must refuse:
//   - a viewer's change posted with a valid CSRF token: 403 from the server (not only a hidden button);
//   - a form posted without its CSRF token: 403;
//   - a locked-out account stays out even with its right password.
// Prints one JSON line: {"ok": bool, "seen": [...], "checks": {...}, "error": "..."}.
//
//   node webui_walk.js --url https://127.0.0.1:PORT/ --out DIR --accounts JSON --subscriber NAME
//                      --locked NAME:PASSWORD
// JSON: [{"user": "v", "password": "...", "role": "viewer"}, ...]
const { arg, launch, record } = require('./walk_lib');
const fs = require('fs');
const path = require('path');


const PAGES = [
  ['overview', ''],
  ['subscribers', 'subscribers'],
  ['subscriber', 'subscriber?u=SUB'],
  ['sessions', 'sessions'],
  ['plans', 'plans'],
  ['nas', 'nas'],
  ['vouchers', 'vouchers'],
  ['events', 'events'],
  ['help', 'help'],
  ['diagnostics', 'diagnostics'],
  ['account', 'account'],
  ['settings', 'settings'],
  ['certificates', 'certificates'],
  ['accounts', 'accounts'],  // admins only: the others get the server's 403 page
];

(async () => {
  const base = arg('url').replace(/\/?$/, '/');
  const out = arg('out');
  const accounts = JSON.parse(arg('accounts'));
  const sub = arg('subscriber');
  const [lockedUser, lockedPassword] = arg('locked').split(':');
  fs.mkdirSync(out, { recursive: true });
  const browser = await launch();
  const seen = [];
  const checks = {};
  let page;
  const result = { ok: false, seen, checks };

  const shot = async (name, status) => {
    seen.push({ name, status, ...(await record(page, out, name)), text: (await page.innerText('main')).slice(0, 300) });
  };
  // A POST as the page's own session would send it (same origin, its cookie), with or without the token.
  const post = async (url, fields, withToken) => page.evaluate(async ({ url, fields, withToken }) => {
    const body = new URLSearchParams(fields);
    if (withToken) body.set('csrf', document.querySelector('input[name=csrf]').value);
    const r = await fetch(url, { method: 'POST', body, credentials: 'same-origin', redirect: 'manual' });
    return r.status;
  }, { url: base + url, fields, withToken });
  const signIn = async (user, password) => {
    await page.goto(base + 'login');
    await page.fill('#username', user);
    await page.fill('#password', password);
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
    return resp;
  };

  try {
    for (const a of accounts) {
      // Technicians on a phone, the others at a desk.
      const phone = a.role === 'technician';
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,  // the box's own certificate (its fingerprint is in edgectl status)
        bypassCSP: true,          // only so axe-core can be injected; the page's CSP is checked by the test
        viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
        isMobile: phone, hasTouch: phone,
      });
      page = await context.newPage();
      if (a.role === accounts[0].role) {
        await page.goto(base + 'login');
        await shot('00-login', 200);
      }
      await signIn(a.user, a.password);
      if (new URL(page.url()).pathname !== '/') throw new Error(`${a.user} did not get in: ${page.url()}`);
      let i = 1;
      for (const [name, url] of PAGES) {
        const resp = await page.goto(base + url.replace('SUB', encodeURIComponent(sub)));
        if (name === 'overview') await page.waitForSelector('.chart canvas', { timeout: 5000 }).catch(() => {});
        if (name === 'overview') checks[`${a.role}-overview-certificates-link`] =
          await page.locator('a[href="/certificates"]:has-text("which one")').count();
        await shot(`${a.role}-${String(i++).padStart(2, '0')}-${name}`, resp.status());
      }
      // Search as you type: the results follow the input without a submit.
      await page.goto(base + 'subscribers');
      await page.fill('#q', sub.slice(0, 3));
      await page.waitForSelector(`#results a:has-text("${sub}")`, { timeout: 5000 });
      checks[`${a.role}-search-as-you-type`] = true;

      await page.goto(base + 'subscriber?u=' + encodeURIComponent(sub));
      if (a.role === 'viewer') {
        checks['viewer-sees-no-change-buttons'] = (await page.locator('form[action="/subscriber/topup"]').count()) === 0 &&
          (await page.locator('form[action="/subscriber/status"]').count()) === 0;
        checks['viewer-topup-refused'] = await post('subscriber/topup', { username: sub, bytes: '1GB' }, true);
        checks['viewer-suspend-refused'] = await post('subscriber/status', { username: sub, status: 'suspended' }, true);
        checks['viewer-nas-save-refused'] = await post('nas/save', { name: 'x', address: '10.1.1.1', secret: 'sssssssss' }, true);
        checks['viewer-voucher-generate-refused'] = await post('vouchers/generate', { plan: 'home-20', count: '2' }, true);
        checks['viewer-diagnostics-refused'] = await post('diagnostics/test-login', { username: sub, password: 'x' }, true);
        checks['viewer-sees-no-certificate-forms'] = (await page.goto(base + 'certificates'),
          (await page.locator('form[action^="/certificates/"]').count()) === 0);
        checks['viewer-eap-install-refused'] = await post('certificates/install', { certificate: 'x', key: 'y' }, true);
        checks['viewer-eap-crl-refused'] = await post('certificates/crl', { crl: 'x' }, true);
        checks['viewer-accounts-add-refused'] = await post('accounts/add',
          { username: 'walk-viewer', role: 'admin', password: 'walk viewer pw', 'repeat-password': 'walk viewer pw' }, true);
        checks['viewer-accounts-delete-refused'] = await post('accounts/delete', { username: a.user, confirm: 'yes' }, true);
      }
      if (a.role === 'technician') {
        checks['no-csrf-token'] = await post('subscriber/topup', { username: sub, bytes: '1GB' }, false);
        checks['technician-nas-save-refused'] = await post('nas/save', { name: 'x', address: '10.1.1.1', secret: 'sssssssss' }, true);
        checks['technician-accounts-role-refused'] = await post('accounts/role', { username: a.user, role: 'admin' }, true);
        // A bad value: the message is next to its field.
        await page.fill('#topup-bytes', 'lots');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/subscriber/topup"] button')]);
        checks['topup-field-error'] = await page.locator('#topup-bytes-error').innerText().catch(() => '');
        await shot('technician-08-topup-error', 400);
        await page.fill('#topup-bytes', '1GB');
        await page.fill('#topup-note', 'browser walk');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/subscriber/topup"] button')]);
        checks['topup-done'] = await page.locator('p.ok').first().innerText().catch(() => '');
        await shot('technician-09-topup-done', 200);
        await Promise.all([page.waitForNavigation(), page.click('form[action="/subscriber/status"] button')]);
        checks['suspended'] = await page.locator('p.ok').first().innerText().catch(() => '');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/subscriber/status"] button')]);
        checks['resumed'] = await page.locator('p.ok').first().innerText().catch(() => '');
        // Vouchers: a batch of three, then one revoked.
        await page.goto(base + 'vouchers');
        await page.selectOption('#v-plan', 'home-20');
        await page.fill('#v-count', '3');
        await page.fill('#v-batch', 'walk');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/vouchers/generate"] button')]);
        checks['vouchers-made'] = await page.locator('p.ok').first().innerText().catch(() => '');
        checks['voucher-rows'] = await page.locator('tbody tr').count();
        await shot('technician-10-vouchers-made', 200);
        await Promise.all([page.waitForNavigation(), page.click('form[action="/vouchers/revoke"] button >> nth=0')]);
        checks['voucher-revoked'] = await page.locator('p.ok').first().innerText().catch(() => '');
        const sheet = await page.goto(base + 'vouchers/sheet?batch=walk');
        checks['voucher-sheet'] = sheet.status();
      }
      if (a.role === 'admin') {
        await page.goto(base + 'nas');
        await page.fill('#nas-name', 'ap-roof');
        // The browser's own checks (required) would stop this post: the server's are tested here.
        await page.evaluate(() => { document.querySelector('form[action="/nas/save"]').noValidate = true; });
        await Promise.all([page.waitForNavigation(), page.click('form[action="/nas/save"] button')]);
        checks['nas-field-errors'] = await page.locator('.field-error').allInnerTexts();
        await shot('admin-08-nas-errors', 400);
        await page.fill('#nas-name', 'ap-roof');
        await page.fill('#nas-address', '10.9.0.0/24');
        await page.fill('#nas-secret', 'roof-secret-1');
        await page.selectOption('#nas-vendor', 'mikrotik');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/nas/save"] button')]);
        checks['nas-added'] = (await page.locator('td:has-text("ap-roof")').count()) > 0;
        await shot('admin-09-nas-added', 200);
        await Promise.all([page.waitForNavigation(),
          page.click('form[action="/nas/delete"]:has(input[value="ap-roof"]) button')]);
        checks['nas-deleted'] = (await page.locator('td:has-text("ap-roof")').count()) === 0;
        // Disconnect a live session: the page shows what the NAS answered (here: nothing, in time).
        await page.goto(base + 'sessions?user=' + encodeURIComponent(sub));
        if (await page.locator('form[action="/sessions/disconnect"] button').count()) {
          await Promise.all([page.waitForNavigation({ timeout: 30000 }),
            page.click('form[action="/sessions/disconnect"] button')]);
          checks['disconnect-answer'] = await page.locator('main p[role]').allInnerTexts();
          await shot('admin-10-disconnect-answer', 0);
        }
        // Diagnostics: a test login with a wrong password (the reason in words), then a ping whose
        // output streams to the page until its end.
        await page.goto(base + 'diagnostics');
        await page.fill('#login-username', sub);
        await page.fill('#login-password', 'not the password');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/diagnostics/test-login"] button')]);
        checks['diagnostics-login-reason'] = await page.locator('.diag-result').first().innerText().catch(() => '');
        await shot('admin-11-diagnostics-login', 200);
        await page.selectOption('#tool', 'ping');
        await page.fill('#target', '127.0.0.1');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/diagnostics/run"]:has(#target) button')]);
        await page.waitForSelector('.diag-run.done', { timeout: 30000 });
        checks['diagnostics-ping-done'] = await page.locator('.diag-status').innerText();
        checks['diagnostics-ping-output'] = await page.locator('.diag-output').innerText();
        await shot('admin-12-diagnostics-ping', 200);
        // The recent runs below the tools, and the ping's output read back from the list.
        await page.goto(base + 'diagnostics');
        await page.locator('#runs-title').scrollIntoViewIfNeeded();
        checks['diagnostics-runs'] = await page.locator('table.diag-runs tbody tr').first().innerText();
        await shot('admin-13-diagnostics-runs', 200);
        await Promise.all([page.waitForNavigation(), page.click('table.diag-runs a:has-text("output") >> nth=0')]);
        checks['diagnostics-run-output'] = await page.locator('pre.diag-output').innerText();
        await shot('admin-14-diagnostics-output', 200);
        // Accounts: a form without its token is refused; a bad password's message sits by its field;
        // then an account added, and its page with the admin's forms.
        await page.goto(base + 'accounts');
        checks['accounts-no-csrf'] = await post('accounts/add',
          { username: 'walk-nocsrf', role: 'viewer', password: 'walk no csrf pw', 'repeat-password': 'walk no csrf pw' }, false);
        await page.fill('#add-username', 'walk-tech');
        await page.selectOption('#add-role', 'technician');
        await page.fill('#add-password', 'short');
        await page.fill('#add-repeat-password', 'short');
        await page.evaluate(() => { document.querySelector('form[action="/accounts/add"]').noValidate = true; });
        await Promise.all([page.waitForNavigation(), page.click('form[action="/accounts/add"] button')]);
        checks['accounts-password-error'] = await page.locator('#add-password-error').innerText().catch(() => '');
        await shot('admin-15-accounts-error', 400);
        await page.fill('#add-password', 'walk technician pw');
        await page.fill('#add-repeat-password', 'walk technician pw');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/accounts/add"] button')]);
        checks['accounts-added'] = await page.locator('p.ok').first().innerText().catch(() => '');
        await shot('admin-16-accounts-added', 200);
        const edit = await page.goto(base + 'accounts/edit?u=walk-tech');
        checks['accounts-edit-forms'] = await page.locator('main form').count();
        await shot('admin-17-account-edit', edit.status());
        await page.check('form[action="/accounts/delete"] input[name=confirm]');
        await Promise.all([page.waitForNavigation(), page.click('form[action="/accounts/delete"] button')]);
        checks['accounts-deleted'] = await page.locator('p.ok').first().innerText().catch(() => '');
      }
      if (a.role === 'admin') {
        // Certificates: a certificate that is not PEM is refused, the reason next to its field, nothing
        // installed; then the page with the install forms, for the operator guide.
        await page.goto(base + 'certificates');
        checks['certificates-forms'] = await page.locator('form[action^="/certificates/"]').count();
        await page.fill('#eap-certificate', 'not a certificate');
        await page.fill('#eap-key', 'not a key');
        await page.evaluate(() => { document.querySelector('form[action="/certificates/install"]').noValidate = true; });
        await Promise.all([page.waitForNavigation(), page.click('form[action="/certificates/install"] button')]);
        checks['certificates-field-error'] = await page.locator('.field-error').allInnerTexts();
        await shot('admin-30-certificates-error', 400);
        await page.goto(base + 'certificates');
        checks['certificates-text'] = await page.innerText('main');
        await shot('admin-31-certificates-page', 200);
        // Then a real certificate and its key pasted (the browser sends the line breaks as CRLF):
        // installed, and the page shows it.
        const [eapCert, eapKey] = arg('eap-files').split(':').map((f) => fs.readFileSync(f, 'utf8'));
        await page.fill('#eap-certificate', eapCert);
        await page.fill('#eap-key', eapKey);
        await Promise.all([page.waitForNavigation(), page.click('form[action="/certificates/install"] button')]);
        checks['certificates-installed'] = await page.locator('p.ok').first().innerText().catch(() => '');
        checks['certificates-after-install'] = await page.locator('#cert-eap-certificate').innerText();
      }
      // My account's TOTP enrollment (the QR code) and a filtered events page, for the operator guide.
      await page.goto(base + 'account/totp');
      await shot(`${a.role}-20-account-totp`, 200);
      await page.goto(base + 'events?kind=ui-*');
      await shot(`${a.role}-21-events-filtered`, 200);
      await page.goto(base);
      await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
      checks[`${a.role}-signed-out`] = new URL(page.url()).pathname === '/login';
      // After sign-out the old cookie opens nothing.
      const again = await page.goto(base + 'sessions');
      checks[`${a.role}-out-after-logout`] = new URL(page.url()).pathname === '/login' && again.status() === 200;
      await context.close();
    }

    // Lockout: wrong passwords, then the right one is still refused.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
    page = await context.newPage();
    const statuses = [];
    for (let n = 0; n < 6; n++) statuses.push((await signIn(lockedUser, 'wrong password ' + n)).status());
    const right = await signIn(lockedUser, lockedPassword);
    checks['lockout-statuses'] = statuses;
    checks['locked-right-password'] = right.status();
    checks['locked-stays-out'] = new URL(page.url()).pathname === '/login';
    checks['locked-message'] = await page.locator('.field-error').innerText().catch(() => '');
    await shot('99-locked-out', right.status());
    await context.close();
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack || e);
    if (page) await page.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
})();
