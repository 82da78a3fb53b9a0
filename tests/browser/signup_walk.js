// Walks an ISP's signup journey on the management console in Debian's chromium (headless) at a phone's
// viewport, the way a person would (issue 23): the public signup form (refused fields told next to
// each field, then sent), "check your mail", the verification mail read from the SMTP sink's maildir,
// its link landing on the provisioning progress page until the demo is ready, the owner's invitation
// mail and its page to choose a password, the console sign-in, and the conversion to paid (a bad
// billing email told next to its field, then converted). Then the platform's signup funnel, signed in
// with a platform token. Every page is screenshotted and checked with axe-core (no serious or critical
// violation) and for sideways scrolling. A signup form posted without its CSRF token must get 403.
// Prints one JSON line: {"ok": bool, "seen": [...], "checks": {...}, "error": "..."}.
//
//   node signup_walk.js --url https://127.0.0.1:PORT/ --maildir DIR --out DIR --email E
//                       --platform-token TOKEN
const { arg, launch, record } = require('./walk_lib');
const fs = require('fs');
const path = require('path');


const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// The text part of a message as mgmtd sends it (multipart/alternative, base64 parts), or the body.
function textOf(raw) {
  const parts = raw.split(/\r?\n--[^\r\n]+/);
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (!/content-type:\s*text\/plain/i.test(head)) continue;
    const body = part.slice(split).trim();
    return /content-transfer-encoding:\s*base64/i.test(head) ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  }
  return raw;
}

// Waits for a message to `to` whose subject matches, in the sink's maildir; its text part.
async function mailTo(maildir, to, subject, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    for (const sub of ['new', 'cur']) {
      const dir = path.join(maildir, sub);
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir)) {
        const raw = fs.readFileSync(path.join(dir, f), 'utf8');
        const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
        if (new RegExp('^To: ' + to.replace(/[.+]/g, '\\$&') + '\\s*$', 'mi').test(head) && subject.test(head))
          return textOf(raw);
      }
    }
    await sleep(250);
  }
  throw new Error(`no mail to ${to} matching ${subject} within ${seconds} s`);
}

(async () => {
  const base = arg('url').replace(/\/?$/, '/');
  const maildir = arg('maildir');
  const out = arg('out');
  const email = arg('email');
  const platformToken = arg('platform-token');
  const password = 'walk the signup 42';
  fs.mkdirSync(out, { recursive: true });
  const browser = await launch();
  const seen = [];
  const checks = {};
  const result = { ok: false, seen, checks };
  let page;
  let step = 0;

  const shot = async (name, status) => {
    const full = `${String(step++).padStart(2, '0')}-${name}`;
    seen.push({ name, file: full, status, ...(await record(page, out, full)),
      text: (await page.innerText('main')).slice(0, 3000) });
  };
  // Submits the page's form that holds `selector` and waits for what it answers.
  const submit = async (selector) => {
    const [resp] = await Promise.all([page.waitForNavigation(), page.click(`form:has(${selector}) button[type=submit]`)]);
    return resp;
  };
  const errorOf = async (id) => page.locator(`#${id}-error`).innerText().catch(() => '');

  try {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,  // mgmtd's certificate comes from its own CA
      bypassCSP: true,          // only so axe-core can be injected
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    });
    page = await context.newPage();

    // 1. The public form; a first try with three fields wrong: each told next to itself.
    let resp = await page.goto(base + 'signup');
    await shot('signup', resp.status());
    const fill = async (fields) => { for (const [id, value] of Object.entries(fields)) await page.fill('#' + id, value); };
    const good = { 'business-name': 'Walk Net', 'registration-id': 'CPR/2026/77', 'tax-id': 'P0577', 'contact-name': 'Wanjiru Walker',
      email, phone: '+254 711 000000', country: 'KE', region: 'Nairobi', 'service-area': 'Westlands', 'expected-customers': '60' };
    await fill({ ...good, 'business-name': '', email: 'not-an-email', country: '12' });
    await page.selectOption('#tier', 'basic');
    await page.selectOption('#scenario', 'small');
    resp = await submit('#email');
    checks.refusedStatus = resp.status();
    checks.businessNameError = await errorOf('business-name');
    checks.emailError = await errorOf('email');
    checks.countryError = await errorOf('country');
    checks.keptRegion = await page.inputValue('#region');
    checks.keptTier = await page.inputValue('#tier');
    await shot('signup-refused', resp.status());
    // Posted without its CSRF token: refused, nothing sent.
    checks.noCsrf = await page.evaluate(async ({ url, fields }) => {
      const r = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), credentials: 'same-origin', redirect: 'manual' });
      return r.status;
    }, { url: base + 'signup', fields: { ...good, email: 'csrf@walk.example', tier: 'basic' } });
    await fill(good);
    resp = await submit('#email');
    checks.sentPath = new URL(page.url()).pathname;
    await shot('sent', resp.status());

    // 2. The verification mail, its link, the progress page until the demo is ready.
    const verify = await mailTo(maildir, email, /^Subject: Confirm your email/mi, 60);
    const link = (verify.match(/https:\/\/\S+\/signup\/verify\?token=[0-9a-f]+/) || [])[0];
    if (!link) throw new Error('no link in the verification mail: ' + verify.slice(0, 500));
    checks.linkOnConsole = link.startsWith(base.replace(/\/$/, '') + '/signup/verify?token=');
    resp = await page.goto(link);
    checks.progressPath = new URL(page.url()).pathname;
    const percents = [];
    await shot('progress', resp.status());
    const deadline = Date.now() + 120000;
    for (;;) {
      percents.push(Number(await page.getAttribute('#progress', 'value')));
      if ((await page.innerText('main')).includes('is ready')) break;
      if (Date.now() > deadline) throw new Error('the demo was not ready within 120 s: ' + (await page.innerText('main')));
      await sleep(500);
      resp = await page.reload();
    }
    checks.percents = percents;
    await shot('progress-ready', resp.status());

    // 3. The owner's invitation: choose a password, then sign in.
    const invite = await mailTo(maildir, email, /^Subject: You are invited to /mi, 60);
    const reset = (invite.match(/https:\/\/\S+\/reset\?token=[0-9a-f]+/) || [])[0];
    if (!reset) throw new Error('no link in the invitation: ' + invite.slice(0, 500));
    resp = await page.goto(reset);
    await shot('choose-password', resp.status());
    await page.fill('#password', password);
    await page.fill('#password-again', password);
    resp = await submit('#password');
    checks.passwordSet = (await page.innerText('main')).includes('Your password is set');
    await shot('password-set', resp.status());
    resp = await page.goto(base + 'login');
    await page.fill('#email', email);
    await page.fill('#password', password);
    resp = await submit('#email');
    checks.signedInPath = new URL(page.url()).pathname;
    await shot('signed-in', resp.status());

    // 4. Going paid: a bad billing email told next to its field, then converted.
    resp = await page.goto(base + 'convert');
    await shot('convert', resp.status());
    await page.selectOption('#tier', 'basic');
    await fill({ 'billing-name': 'Walk Net Ltd', 'billing-email': 'nope', 'billing-address': '1 Walk Road, Nairobi' });
    resp = await submit('#billing-name');
    checks.convertRefusedStatus = resp.status();
    checks.billingEmailError = await errorOf('billing-email');
    checks.keptBillingName = await page.inputValue('#billing-name');
    await shot('convert-refused', resp.status());
    await page.fill('#billing-email', 'billing@walk.example');
    resp = await submit('#billing-name');
    checks.converted = await page.locator('p[role=status]').first().innerText().catch(() => '');
    await shot('converted', resp.status());
    await context.close();

    // 5. The platform's funnel, signed in with a platform token (desktop).
    const desk = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true, viewport: { width: 1280, height: 900 } });
    page = await desk.newPage();
    await page.goto(base + 'login');
    await page.click('details summary');
    await page.fill('#token', platformToken);
    await submit('#token');
    resp = await page.goto(base + 'funnel');
    checks.funnelChart = await page.locator('svg.funnel-chart rect').count();
    checks.funnelRows = await page.locator('table tbody tr').allInnerTexts();
    await shot('funnel', resp.status());
    // A phone shows the same page without scrolling sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    resp = await page.goto(base + 'funnel');
    await shot('funnel-phone', resp.status());
    await desk.close();

    // 6. The public partner application form (issue 25) on a phone: refused fields told next to each,
    // a post without its CSRF token refused, then sent (the test reviews it over the API).
    const phone = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true,
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    page = await phone.newPage();
    resp = await page.goto(base + 'partners/apply');
    await shot('partner-apply', resp.status());
    await fill({ name: 'Pat Partner', company: 'Walk Resellers', email: 'pat@', country: '12' });
    resp = await submit('#company');
    checks.applyRefusedStatus = resp.status();
    checks.applyEmailError = await errorOf('email');
    checks.applyCountryError = await errorOf('country');
    checks.applyTypeError = await errorOf('type');
    checks.applyKeptCompany = await page.inputValue('#company');
    await shot('partner-apply-refused', resp.status());
    checks.applyNoCsrf = await page.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', credentials: 'same-origin', redirect: 'manual',
        body: new URLSearchParams({ name: 'No Csrf', company: 'No Csrf Ltd', email: 'csrf@walk.example',
          type: 'franchise', country: 'KE' }) });
      return r.status;
    }, base + 'partners/apply');
    await fill({ email: 'pat@resellers.example', country: 'KE' });
    await page.selectOption('#type', 'value-added-reseller');
    await page.fill('#message', 'We resell in Mombasa.');
    resp = await submit('#company');
    checks.applySentPath = new URL(page.url()).pathname;
    await shot('partner-apply-sent', resp.status());
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack || e);
  } finally {
    await browser.close();
    console.log(JSON.stringify(result));
  }
})();
