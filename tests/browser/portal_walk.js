// Walks the captive portal in Debian's chromium (headless) at phone size, as a subscriber would:
// captive redirect -> voucher login -> status -> logout -> password login -> status -> signup and
// terms pages (a taken username's message next to its field) -> logout. Saves a screenshot of each page and prints what it saw as JSON.
//
//   node portal_walk.js --start URL --out DIR --user U --password P --voucher CODE
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

function arg(name) {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error('missing --' + name);
  return process.argv[i + 1];
}

(async () => {
  const out = arg('out');
  fs.mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // playwright gives the browser a fresh temporary profile of its own
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const seen = [];
  const shot = async (name) => {
    const file = path.join(out, name + '.png');
    await page.screenshot({ path: file, fullPage: true });
    seen.push({ name, url: page.url(), title: await page.title(), text: (await page.innerText('main')).slice(0, 400) });
  };
  try {
    await page.goto(arg('start'));
    await shot('01-captive-login');
    await page.fill('#v', arg('voucher'));
    await page.locator('form[action="/voucher"] input[name=accept]').check();
    await page.click('form[action="/voucher"] button');
    await page.waitForSelector('text=You are online');
    await shot('02-voucher-status');
    await page.click('form[action="/logout"] button');
    await page.waitForSelector('#u');
    await shot('03-logged-out');
    await page.fill('#u', arg('user'));
    await page.fill('#p', 'wrong password');
    await page.locator('form[action="/login"] input[name=accept]').check();
    await page.click('form[action="/login"] button');
    await page.waitForSelector('.error');
    await shot('04-wrong-password');
    await page.fill('#u', arg('user'));
    await page.fill('#p', arg('password'));
    await page.locator('form[action="/login"] input[name=accept]').check();
    await page.click('form[action="/login"] button');
    await page.waitForSelector('text=You are online');
    await shot('05-login-status');
    const base = new URL(page.url()).origin;
    await page.goto(base + '/signup');
    await shot('06-signup');
    // A taken username: the form comes back with the message next to the username field, which is
    // marked invalid and points at it, and keeps what was typed (not the password).
    await page.fill('#u', arg('user'));
    await page.fill('#p', 'another-pass-1');
    await page.locator('form[action="/signup"] input[name=accept]').check();
    await page.click('form[action="/signup"] button');
    await page.waitForSelector('#u-error');
    const taken = await page.innerText('#u-error');
    if (!taken.includes('taken')) throw new Error('signup of a taken username says: ' + taken);
    if ((await page.getAttribute('#u', 'aria-invalid')) !== 'true' ||
        (await page.getAttribute('#u', 'aria-describedby')) !== 'u-error')
      throw new Error('the username field does not point at its message');
    if ((await page.inputValue('#u')) !== arg('user') || (await page.inputValue('#p')) !== '')
      throw new Error('the form did not keep the username alone');
    await page.goto(base + '/terms');
    await shot('07-terms');
    await page.goto(base + '/status');
    await page.click('form[action="/logout"] button');
    await page.waitForSelector('#u');
  } catch (e) {
    await page.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
    console.log(JSON.stringify({ ok: false, error: String(e), seen }));
    await browser.close();
    process.exit(1);
  }
  await browser.close();
  console.log(JSON.stringify({ ok: true, seen }));
})();
