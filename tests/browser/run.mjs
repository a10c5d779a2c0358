// Browser tests for Journeys: drives Debian's Chromium through playwright-core
// against a running site (BASE_URL), checks every page type with axe-core and
// checks keyboard access.
//
//   BASE_URL=http://127.0.0.1:18080 node run.mjs
//   BASE_URL=... node run.mjs --only "home page"      (repeatable; exact name or substring)
//   BASE_URL=... node run.mjs --list
//   SCREENSHOT_DIR=shots  saves a full-page PNG of each visited page type
//
// To add a test, call test(name, async (page, t) => { ... }) in the TESTS
// section below. Each test gets a fresh browser context (no cookies) and a
// page; throw (or use assert) to fail. The last line printed is always
// "N passed, N failed"; the exit status is non-zero when anything failed.

import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import path from 'node:path';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const AXE_PATH = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || '';
const TEST_TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS || 60000);
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

const LAUNCH_OPTIONS = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

// ---------------------------------------------------------------- API

const tests = [];

// Registers a test. fn(page, t) runs in a fresh context; t.context is the
// BrowserContext (for a second page or cookies), t.name the test's name.
// opts.timeoutMs gives a long walk more than TEST_TIMEOUT_MS.
function test(name, fn, opts = {}) {
  if (tests.some((x) => x.name === name)) throw new Error(`duplicate test name: ${name}`);
  tests.push({ name, fn, timeoutMs: opts.timeoutMs });
}

// Throws with message unless cond is truthy.
function assert(cond, message) {
  if (!cond) throw new Error(message || 'assertion failed');
}

// Absolute URL for a site path ("/courses") or an absolute URL unchanged.
function url(p) {
  if (/^https?:\/\//.test(p)) return p;
  return BASE_URL + (p.startsWith('/') ? p : '/' + p);
}

// Loads a path and asserts the response status: 2xx by default, or exactly
// opts.status when given. Returns the Playwright Response.
async function visit(page, p, opts = {}) {
  const res = await page.goto(url(p), { waitUntil: 'load' });
  assert(res, `no response for ${p}`);
  const status = res.status();
  if (opts.status !== undefined) {
    assert(status === opts.status, `GET ${p}: expected status ${opts.status}, got ${status}`);
  } else {
    assert(status >= 200 && status < 300, `GET ${p}: expected 2xx, got ${status}`);
  }
  return res;
}

// Runs axe-core on the current page and throws listing every violation
// (rule id, impact, target selectors) when there is any.
async function checkA11y(page) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.addScriptTag({ path: AXE_PATH });
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: tags });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  }, AXE_TAGS);
  if (violations.length) {
    const lines = violations.map(
      (v) => `  ${v.id} (${v.impact}): ${v.help}\n      ${v.targets.join('\n      ')}`,
    );
    throw new Error(`${violations.length} axe violation(s) on ${page.url()}:\n${lines.join('\n')}`);
  }
}

// Asserts the page has no script elements, style elements or style
// attributes, which the site's Content-Security-Policy would block anyway.
// Call it before checkA11y (axe arrives as a script element).
async function checkNoInline(page) {
  const found = await page.evaluate(() => {
    const bad = [];
    for (const el of document.querySelectorAll('script, style, [style]')) {
      // Our own scripts, loaded from /static/, are not inline.
      const src = el.tagName === 'SCRIPT' ? el.getAttribute('src') || '' : '';
      if (/^\/static\/[a-z0-9-]+\.js$/.test(src) && !el.textContent.trim()) continue;
      bad.push(el.tagName.toLowerCase() + (el.hasAttribute('style') ? '[style]' : ''));
    }
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) {
        if (/^on/i.test(a.name)) bad.push(`${el.tagName.toLowerCase()}[${a.name}]`);
      }
    }
    return bad;
  });
  assert(found.length === 0, `inline script or style on ${page.url()}: ${found.join(', ')}`);
}

// Presses Tab up to maxTabs times from the current focus and asserts that an
// element matching selector receives focus. Returns the number of presses.
async function keyboardReach(page, selector, maxTabs = 60) {
  const exists = await page.$(selector);
  assert(exists, `keyboardReach: nothing matches ${selector}`);
  for (let i = 1; i <= maxTabs; i++) {
    await page.keyboard.press('Tab');
    const hit = await page.evaluate(
      (sel) => !!document.activeElement && document.activeElement.matches(sel),
      selector,
    );
    if (hit) return i;
  }
  throw new Error(`keyboardReach: ${selector} not focused within ${maxTabs} Tab presses`);
}

// The href of the first element matching selector, resolved to a site path.
async function firstHref(page, selector) {
  const href = await page.$eval(selector, (a) => a.getAttribute('href')).catch(() => null);
  assert(href, `no link matches ${selector} on ${page.url()}`);
  const u = new URL(href, page.url());
  return u.pathname + u.search;
}

// Follows the first link matching selector by clicking it, asserting a 2xx
// response. Returns the path it arrived at.
async function follow(page, selector) {
  const target = await firstHref(page, selector);
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  assert(res, `following ${selector}: no response`);
  assert(res.status() >= 200 && res.status() < 300, `following ${selector} to ${target}: got ${res.status()}`);
  return target;
}

// Saves a full-page screenshot as SCREENSHOT_DIR/name.png when SCREENSHOT_DIR is set.
async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name.replace(/[^a-z0-9_-]+/gi, '-') + '.png');
  await page.screenshot({ path: file, fullPage: true });
}

// The checks every page gets: no inline code, axe clean, a screenshot.
async function checkPage(page, shotName) {
  await checkNoInline(page);
  await screenshot(page, shotName);
  await checkA11y(page);
}

// ---------------------------------------------------------------- TESTS

test('home page', async (page) => {
  await visit(page, '/');
  await checkPage(page, 'home');
});

test('courses page', async (page) => {
  await visit(page, '/courses');
  await checkPage(page, 'courses');
});

test('course page', async (page) => {
  await visit(page, '/courses');
  await follow(page, 'main a[href^="/courses/"]');
  await checkPage(page, 'course');
});

test('calendar page', async (page) => {
  await visit(page, '/calendar');
  await checkPage(page, 'calendar');
});

test('offering page', async (page) => {
  await visit(page, '/calendar');
  await follow(page, 'main a[href^="/offerings/"]');
  await checkPage(page, 'offering');
});

test('not found page', async (page) => {
  await visit(page, '/no-such-page-' + Date.now(), { status: 404 });
  await checkPage(page, 'not-found');
});

test('skip link is the first tab stop and moves focus to main', async (page) => {
  await visit(page, '/');
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName.toLowerCase(), href: el.getAttribute('href') };
  });
  assert(first.tag === 'a' && first.href === '#main', `first Tab stop is ${first.tag} ${first.href}, not the skip link`);
  // Visible once focused (allowing a moment for any transition): inside the viewport, not clipped away.
  await page.waitForFunction(() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight &&
      cs.visibility !== 'hidden' && Number(cs.opacity) > 0.5;
  }, null, { timeout: 2000 }).catch(() => { throw new Error('skip link is not visible when focused'); });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'main', null, { timeout: 2000 })
    .catch(() => { throw new Error('activating the skip link did not move focus to main'); });
});

test('calendar feed link is reachable by keyboard', async (page) => {
  await visit(page, '/calendar');
  await keyboardReach(page, 'a.feed-link');
});

// Sign-up suggests the browser's time zone, under the site's real CSP (this
// test's own context does not bypass it): one in the list is chosen, one
// the list leaves out is added and chosen, and a zone the person chose on a
// form sent back with errors is kept.
test('sign-up suggests the browser time zone', async (page, t) => {
  for (const zone of ['Asia/Tokyo', 'Europe/Amsterdam']) {
    const ctx = await t.context.browser().newContext({ timezoneId: zone });
    try {
      const p = await ctx.newPage();
      const blocked = [];
      p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) blocked.push(m.text()); });
      await p.goto(url('/signup'), { waitUntil: 'load' });
      await p.waitForFunction((z) => document.querySelector('#time_zone').value === z, zone, { timeout: 5000 });
      assert(blocked.length === 0, `the CSP blocked something: ${blocked.join('; ')}`);
      if (zone === 'Europe/Amsterdam') {
        await p.getByLabel(/name/i).first().fill('Tess Zone');
        await p.getByLabel(/e-mail/i).first().fill(`tess${Date.now()}@example.org`);
        await p.getByLabel(/password/i).first().fill('short');
        await p.getByLabel(/password/i).first().press('Enter');
        await p.waitForLoadState('load');
        assert(await p.inputValue('#time_zone') === zone, 'the zone sent is kept when the form comes back');
      }
    } finally {
      await ctx.close();
    }
  }
  await visit(page, '/signup');
  await checkNoInline(page);
});

// ---------------------------------------------------------------- RUNNER

// Parses argv: --only NAME (repeatable, also --only=NAME) and --list.
// The whole way in, by keyboard where a person would type: sign up, find an
// open offering, register, pay at the provider's page, land on My courses.
// Every page of ours on the way is checked with axe.
test('sign-up, register, pay, my courses', async (page) => {
  const stamp = Date.now();
  await visit(page, '/signup');
  await checkA11y(page);
  await page.getByLabel(/name/i).first().fill('Grace Hopper');
  await page.getByLabel(/e-mail/i).first().fill(`grace${stamp}@example.org`);
  await page.getByLabel(/password/i).first().fill('correct-horse-battery');
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL(/\/my$/);
  await checkA11y(page);
  assert(await page.getByText('Grace Hopper').count() > 0, 'the header names the signed-in person');

  await visit(page, '/offerings/demo-pv');
  await follow(page, 'main a[href$="/register"]');
  await checkA11y(page);
  await page.getByRole('button', { name: /continue/i }).click();
  await page.waitForURL(/\/pay\//);
  await page.getByRole('button', { name: /pay/i }).click();
  await page.waitForURL(/\/checkout\/return/);
  await checkA11y(page);
  assert(/registered/i.test(await page.textContent('main')), 'the return page says the seat is confirmed');

  await visit(page, '/my');
  const mine = await page.textContent('main');
  assert(/Registered/.test(mine) && /Paid/.test(mine), 'My courses shows the paid registration');
  await checkA11y(page);
  await screenshot(page, 'my-courses');
  await visit(page, '/account');
  await checkA11y(page);
});

// Notifications: the (empty) list, and the e-mail choices on the account page.
test('notifications page and e-mail choices are accessible', async (page) => {
  const stamp = Date.now();
  await visit(page, '/signup');
  await page.getByLabel(/name/i).first().fill('Nina Notices');
  await page.getByLabel(/e-mail/i).first().fill(`nina${stamp}@example.org`);
  await page.getByLabel(/password/i).first().fill('correct-horse-battery');
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL(/\/my$/);
  await visit(page, '/notifications');
  assert(/No notifications yet/.test(await page.textContent('main')), 'the notifications page says there are none yet');
  await checkA11y(page);
  await visit(page, '/account#notifications');
  await page.getByLabel(/daily digest/i).check();
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: /save e-mail choices/i }).click()]);
  assert(/e-mail choices are saved/.test(await page.textContent('main')), 'the choice is confirmed');
  assert(await page.getByLabel(/daily digest/i).isChecked(), 'the digest choice is kept');
  await checkA11y(page);
});

test('sign-in page and password reset are accessible', async (page) => {
  await visit(page, '/signin');
  await checkA11y(page);
  await visit(page, '/reset');
  await checkA11y(page);
  await page.getByLabel(/e-mail/i).first().fill('nobody@example.org');
  await page.getByLabel(/e-mail/i).first().press('Enter');
  await page.waitForLoadState('load');
  assert(/inbox/i.test(await page.textContent('main')), 'the reset request is acknowledged');
  await checkA11y(page);
});

// After paying, the registration page shows the registration, not the form;
// cancelling asks first, on a page of its own, and "keep it" changes nothing.
test('registered page and cancel confirmation', async (page) => {
  const stamp = Date.now();
  await visit(page, '/signup');
  await page.getByLabel(/name/i).first().fill('Carla Confirm');
  await page.getByLabel(/e-mail/i).first().fill(`carla${stamp}@example.org`);
  await page.getByLabel(/password/i).first().fill('correct-horse-battery');
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL(/\/my$/);
  await visit(page, '/offerings/demo-lm/register');
  await page.getByRole('button', { name: /continue/i }).click();
  await page.waitForURL(/\/pay\//);
  await page.getByRole('button', { name: /pay/i }).click();
  await page.waitForURL(/\/checkout\/return/);

  await visit(page, '/offerings/demo-lm/register');
  const main = await page.textContent('main');
  assert(/You're registered/.test(main), 'the registration page says the seat is confirmed');
  assert(await page.locator('input[name="method"]').count() === 0, 'the payment form is not offered again');
  await checkPage(page, 'register-registered');

  await visit(page, '/my');
  await follow(page, 'main a[href$="/cancel"]');
  assert(/Cancel this registration\?/.test(await page.textContent('main')), 'the cancel page asks first');
  assert(/We refund \$50\.00/.test(await page.textContent('main')), 'the cancel page says what is refunded');
  await checkPage(page, 'confirm-cancel');
  await page.getByRole('link', { name: /keep my registration/i }).click();
  await page.waitForURL(/\/my$/);
  assert(/Registered/.test(await page.textContent('main')), 'keeping it changes nothing');

  await follow(page, 'main a[href$="/cancel"]');
  await page.getByRole('button', { name: /cancel my registration/i }).click();
  await page.waitForURL(/\/my$/);
  assert(/Refunded|Cancelled/.test(await page.textContent('main')), 'the registration is cancelled');
});

// ------------------------------------------------------- phone width

const PHONE = { width: 390, height: 844 };

// At the current viewport: the page does not scroll sideways
// (document.documentElement.scrollWidth <= innerWidth) and every action in
// main (links, buttons, form fields) lies inside the viewport.
async function checkFits(page, label) {
  const res = await page.evaluate(() => {
    const w = window.innerWidth;
    const sel = 'main a, main button, main input:not([type="hidden"]), main select, main textarea';
    const out = [...document.querySelectorAll(sel)]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && (r.left < -0.5 || r.right > w + 0.5);
      })
      .map((e) => (e.textContent || e.getAttribute('name') || e.tagName).trim().replace(/\s+/g, ' ').slice(0, 60));
    return { sw: document.documentElement.scrollWidth, w, out };
  });
  assert(res.sw <= res.w, `${label}: the page scrolls sideways at ${res.w} px (scrollWidth ${res.sw})`);
  assert(res.out.length === 0, `${label}: off-screen at ${res.w} px: ${res.out.join(' | ')}`);
}

// Visits each path at phone width and checks that it fits.
async function checkPhonePages(page, paths) {
  await page.setViewportSize(PHONE);
  for (const p of paths) {
    await visit(page, p);
    await checkFits(page, p);
    await screenshot(page, 'phone' + p.replace(/[^a-z0-9]+/gi, '-'));
  }
}

test('phone width: catalog, course, calendar and offering pages fit', async (page) => {
  await visit(page, '/courses');
  const course = await firstHref(page, 'main a[href^="/courses/"]');
  await visit(page, '/calendar');
  const offering = await firstHref(page, 'main a[href^="/offerings/"]:not([href$=".ics"])');
  await checkPhonePages(page, ['/', '/courses', course, '/calendar', offering, course + '/notify']);
});

test('phone width: my courses fits, with its actions on screen', async (page) => {
  const stamp = Date.now();
  await visit(page, '/signup');
  await page.getByLabel(/name/i).first().fill('Ada Lovelace');
  await page.getByLabel(/e-mail/i).first().fill(`ada${stamp}@example.org`);
  await page.getByLabel(/password/i).first().fill('correct-horse-battery');
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL(/\/my$/);
  await visit(page, '/offerings/demo-pv');
  await follow(page, 'main a[href$="/register"]');
  await page.getByRole('button', { name: /continue/i }).click();
  await page.waitForURL(/\/pay\//);
  await checkPhonePages(page, ['/my']);
  const actions = await page.locator('main .button, main button').count();
  assert(actions > 0, 'My courses shows the registration with its actions');
});

test('phone width: staff tables fit, with their actions on screen', async (page) => {
  const email = process.env.STAFF_EMAIL, password = process.env.STAFF_PASSWORD;
  assert(email && password, 'STAFF_EMAIL and STAFF_PASSWORD name a staff account (tests/run.sh creates one)');
  await visit(page, '/signin');
  await page.getByLabel(/e-mail/i).first().fill(email);
  await page.getByLabel(/password/i).first().fill(password);
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL((u) => !/\/signin/.test(u.pathname));
  await checkPhonePages(page, ['/staff', '/staff/offerings/demo-pv', '/staff/outbox', '/staff/codes']);
  // A message's page: long unbroken values (Message-ID, addresses) wrap.
  await visit(page, '/staff/outbox');
  const message = await page.locator('main a[href^="/staff/outbox/"]').first().getAttribute('href');
  assert(message, 'the outbox lists at least one message (earlier tests signed people up)');
  await checkPhonePages(page, [message]);
});

// ---------------------------------------------------- staff pages, keyboard

// Signs page in as the staff account tests/run.sh creates (STAFF_EMAIL,
// STAFF_PASSWORD).
async function signInStaff(page) {
  const email = process.env.STAFF_EMAIL, password = process.env.STAFF_PASSWORD;
  assert(email && password, 'STAFF_EMAIL and STAFF_PASSWORD name a staff account (tests/run.sh creates one)');
  await visit(page, '/signin');
  await page.getByLabel(/e-mail/i).first().fill(email);
  await page.getByLabel(/password/i).first().fill(password);
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL((u) => !/\/signin/.test(u.pathname));
}

// Signs up a new participant on page and registers and pays by card for
// offering code, ending on the provider's return page.
async function signUpAndPay(page, name, code) {
  await visit(page, '/signup');
  await page.getByLabel(/name/i).first().fill(name);
  await page.getByLabel(/e-mail/i).first().fill(`${name.split(' ')[0].toLowerCase()}${Date.now()}@example.org`);
  await page.getByLabel(/password/i).first().fill('correct-horse-battery');
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL(/\/my$/);
  await visit(page, `/offerings/${code}/register`);
  await page.getByRole('button', { name: /continue/i }).click();
  await page.waitForURL(/\/pay\//);
  await page.getByRole('button', { name: /pay/i }).click();
  await page.waitForURL(/\/checkout\/return/);
}

// axe at desktop and phone width on the page loaded at path p (reloaded at
// each width), with a screenshot of each; at either width nothing in main
// lies off-screen and the page does not scroll sideways.
async function checkBothWidths(page, p, shot) {
  for (const vp of [{ width: 1280, height: 900 }, PHONE]) {
    await page.setViewportSize(vp);
    await visit(page, p);
    await checkNoInline(page);
    await screenshot(page, `${shot}-${vp.width}`);
    await checkFits(page, p);
    await checkA11y(page).catch((err) => { throw new Error(`${p} at ${vp.width} px: ${err.message}`); });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// Every staff page type, with a roster that has a paid registration to
// refund and an outbox with messages in it, is clean under axe and fits the
// screen at desktop and phone width.
test('staff pages are accessible at 1280 and 390 px', async (page, t) => {
  const other = await t.context.browser().newContext({ viewport: { width: 1280, height: 900 } });
  try {
    await signUpAndPay(await other.newPage(), 'Rosa Roster', 'demo-su');
  } finally {
    await other.close();
  }
  await signInStaff(page);
  await checkBothWidths(page, '/staff', 'staff');
  await checkBothWidths(page, '/staff/offerings/demo-su', 'staff-offering');
  assert(await page.locator('main tbody tr').count() > 0, 'the roster lists the registration');
  const refund = await page.$eval('main form.refund-form', (f) => {
    const amount = f.querySelector('input[name="amount"]').value;
    return new URL(f.getAttribute('action'), location.href).pathname + '?amount=' + encodeURIComponent(amount);
  });
  await checkBothWidths(page, refund, 'staff-refund');
  assert(/refund/i.test(await page.textContent('main h1')), 'the refund page asks first');
  await checkBothWidths(page, '/staff/outbox', 'staff-outbox');
  const message = await firstHref(page, 'main a[href^="/staff/outbox/"]');
  await checkBothWidths(page, message, 'staff-outbox-message');
  await visit(page, '/staff/codes');
  await page.fill('#code', `AXE-${Date.now()}`);
  await page.fill('#percent_off', '20');
  await page.getByRole('button', { name: /create code/i }).click();
  await page.waitForLoadState('load');
  await checkBothWidths(page, '/staff/codes', 'staff-codes');
  assert(await page.locator('main tbody tr').count() > 0, 'the codes table lists the new code');
});

// The people search, a person's page, the schools list, a
// school's page, the audit log and a code's page are clean under axe and
// fit at desktop and phone width.
test('staff people, schools, audit and code pages are accessible at 1280 and 390 px', async (page) => {
  await signInStaff(page);
  await visit(page, '/staff/people');
  await page.fill('#q', 'example');
  await page.getByRole('button', { name: /search/i }).click();
  await page.waitForURL(/\/staff\/people\?/);
  assert(await page.locator('main tbody tr').count() > 0, 'the search finds the staff account at least');
  await checkBothWidths(page, '/staff/people?q=example', 'staff-people');
  const person = await firstHref(page, 'main tbody a[href^="/staff/people/"]');
  await checkBothWidths(page, person, 'staff-person');
  await visit(page, '/staff/schools');
  await page.fill('#name', `Axe Academy ${Date.now()}`);
  await page.getByRole('button', { name: /add school/i }).click();
  await page.waitForLoadState('load');
  await checkBothWidths(page, '/staff/schools', 'staff-schools');
  const school = await firstHref(page, 'main tbody a[href^="/staff/schools/"]');
  await checkBothWidths(page, school, 'staff-school');
  await checkBothWidths(page, '/staff/audit', 'staff-audit');
  assert(await page.locator('main tbody tr').count() > 0, 'the audit log lists the school just added');
  await visit(page, '/staff/codes');
  await page.fill('#code', `AXP-${Date.now()}`);
  await page.fill('#percent_off', '10');
  await page.getByRole('button', { name: /create code/i }).click();
  await page.waitForLoadState('load');
  const code = await firstHref(page, 'main tbody a[href^="/staff/codes/"]');
  await checkBothWidths(page, code, 'staff-code');
});

// ---- reports ----
// The reports list, a season's report and an offering's report are clean
// under axe and fit at desktop and phone width; the chart is an image with
// a name, and its numbers are one keyboard step away in a table.
test('staff reports are accessible at 1280 and 390 px', async (page) => {
  await signInStaff(page);
  await visit(page, '/staff');
  await follow(page, 'main a[href="/staff/reports"]');
  await checkBothWidths(page, '/staff/reports', 'staff-reports');
  const season = await firstHref(page, 'main a[href^="/staff/reports/seasons/"]');
  await checkBothWidths(page, season, 'staff-report-season');
  if (await page.locator('main #chart-table').count() > 0) {
    assert(await page.locator('main svg[role="img"] > title').count() === 1, 'the chart has a title');
    await keyboardReach(page, 'main details > summary');
  }
  const offering = await firstHref(page, 'main a[href^="/staff/reports/offerings/"]');
  await checkBothWidths(page, offering, 'staff-report-offering');
  await keyboardReach(page, 'main a[href^="/staff/exports/rosters.csv?offering="]');
  const csv = await page.evaluate(async () => {
    const a = document.querySelector('main a[href^="/staff/exports/rosters.csv"]');
    const r = await fetch(a.href);
    return { type: r.headers.get('content-type'), text: await r.text() };
  });
  assert(/^text\/csv/.test(csv.type), 'the roster export is CSV');
  assert(csv.text.startsWith('"Offering","Course"'), 'the export starts with its header line');
});
// ------------------------------------------------ planning a season

// Staff copy the 2019–2020 season to new dates, review the drafts, publish
// the season in one step, and a visitor finds its offerings on the public
// calendar. Every planning page is clean under axe at 1280 and 390 px.
test('staff plan a season and publish it, then find its offerings on the public calendar', async (page, t) => {
  await signInStaff(page);
  await checkBothWidths(page, '/staff/offerings', 'plan-offerings');
  await checkBothWidths(page, '/staff/offerings/new', 'plan-new');
  await checkBothWidths(page, '/staff/seasons', 'plan-seasons');
  // From the staff home to the seasons, then the copy form of 2019–2020.
  await visit(page, '/staff');
  await follow(page, 'main a[href="/staff/seasons"]');
  const copy = '/staff/seasons/' + encodeURIComponent('2019–2020') + '/copy';
  await follow(page, `main a[href="${copy}"]`);
  await checkBothWidths(page, copy, 'plan-copy');
  // The new season starts on a Monday about two months ahead.
  const d = new Date(Date.now() + 60 * 86400000);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7));
  const starts = d.toISOString().slice(0, 10);
  const name = `Walk ${Date.now()}`;
  await visit(page, copy);
  await page.getByLabel(/name of the new season/i).fill(name);
  await page.getByLabel(/first offering starts on/i).fill(starts);
  await page.getByRole('button', { name: /copy as drafts/i }).click();
  await page.waitForURL((u) => decodeURIComponent(u.pathname) === `/staff/seasons/${name}`);
  const review = new URL(page.url()).pathname;
  assert(/Draft/.test(await page.textContent('main table')), 'the copies are drafts');
  const codes = await page.$$eval('main tbody th code', (els) => els.map((e) => e.textContent.trim()));
  assert(codes.length >= 5, `the season's offerings are listed (${codes.length})`);
  await checkBothWidths(page, review, 'plan-season');
  await checkBothWidths(page, `/staff/offerings/${codes[0]}/edit`, 'plan-edit');
  // Not public yet.
  const visitor = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const vp = await visitor.newPage();
    await visit(vp, `/offerings/${codes[0]}`, { status: 404 });
    // One step publishes the season, by keyboard.
    await visit(page, review);
    await tabTo(page, 'main form[action$="/publish"] button[type="submit"]');
    await enterAndLoad(page);
    assert(/season is published/i.test(await page.textContent('body')), 'the season is published');
    assert(!/Draft/.test(await page.textContent('main table')), 'no drafts are left');
    // The visitor finds every offering on the season's calendar.
    await visit(vp, `/calendar?season=${encodeURIComponent(name)}`);
    const shown = await vp.$$eval('main a[href^="/offerings/"]', (as) => as.map((a) => a.getAttribute('href')));
    for (const c of codes) assert(shown.includes(`/offerings/${c}`), `the calendar lists ${c}`);
    await checkA11y(vp);
    await follow(vp, `main a[href="/offerings/${codes[0]}"]`);
    assert((await vp.textContent('main h1')).length > 0, 'the offering page opens');
    // Someone registers; staff move the week by seven days and see who is
    // told before it applies (the page is checked at both widths).
    await signUpAndPay(vp, 'Eve Effect', codes[0]);
  } finally {
    await visitor.close();
  }
  const edit = `/staff/offerings/${codes[0]}/edit`;
  await visit(page, edit);
  const later = (iso) => new Date(Date.parse(iso + 'T00:00:00Z') + 7 * 86400000).toISOString().slice(0, 10);
  await page.fill('#starts', later(await page.inputValue('#starts')));
  await page.fill('#ends', later(await page.inputValue('#ends')));
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: /save changes/i }).click()]);
  assert(/Before you save/.test(await page.textContent('main h1')), 'the effect is shown first');
  assert(/Eve Effect/.test(await page.textContent('main')), 'the person registered is named');
  await checkNoInline(page);
  await checkA11y(page);
  await page.setViewportSize(PHONE);
  await checkFits(page, 'the effect page');
  await checkA11y(page);
  await page.setViewportSize({ width: 1280, height: 900 });
  await tabTo(page, 'main form button[type="submit"]');
  await enterAndLoad(page);
  assert(/offering is saved/i.test(await page.textContent('body')), 'the change is saved');
}, { timeoutMs: 240000 });

// Where focus is now: a description of the focused element and whether it
// shows a ring (an outline of some width that is not "none").
async function focusState(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { what: 'body', ring: false };
    const cs = getComputedStyle(el);
    const ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
    const what = `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('href') || '').trim().replace(/\s+/g, ' ').slice(0, 50)}"`;
    return { what, ring, href: el.getAttribute('href') || '' };
  });
}

// Presses Tab until the focused element matches selector, asserting that
// every control focused on the way shows a focus ring.
async function tabTo(page, selector, maxTabs = 80) {
  for (let i = 1; i <= maxTabs; i++) {
    await page.keyboard.press('Tab');
    const f = await focusState(page);
    assert(f.ring, `no visible focus ring on ${f.what} at ${page.url()}`);
    const hit = await page.evaluate((sel) => !!document.activeElement && document.activeElement.matches(sel), selector);
    if (hit) return;
  }
  throw new Error(`${selector} not focused within ${maxTabs} Tab presses on ${page.url()}`);
}

// My courses, Cancel, the confirmation page, "keep it": by Tab and Enter
// only, with a visible focus ring on every control on the way.
test('keyboard only: my courses, cancel, keep it', async (page) => {
  await signUpAndPay(page, 'Kit Keyboard', 'demo-al');
  await visit(page, '/my');
  await tabTo(page, 'main a[href$="/cancel"]');
  await Promise.all([page.waitForURL(/\/cancel$/), page.keyboard.press('Enter')]);
  assert(/Cancel this registration\?/.test(await page.textContent('main')), 'the cancel page asks first');
  await tabTo(page, 'main a[href="/my"]');
  assert(/keep/i.test(await page.evaluate(() => document.activeElement.textContent)), 'the focused link keeps it');
  await Promise.all([page.waitForURL(/\/my$/), page.keyboard.press('Enter')]);
  const main = await page.textContent('main');
  assert(/Registered/.test(main) && !/Cancelled/.test(main), 'keeping it changes nothing');
});

// ------------------------------------------------------ the course workspace

// Every workspace page a participant sees (My courses with its Open course
// button, the week, the panel, the playlist) is clean under axe and fits
// the screen at 1280 and 390 px.
test('course workspace: pages are accessible at 1280 and 390 px', async (page) => {
  await signUpAndPay(page, 'Wren Workspace', 'demo-su');
  await visit(page, '/my');
  await page.waitForSelector('main a[href="/learn/demo-su"]');
  for (const [p, shot] of [['/my', 'ws-my'], ['/learn/demo-su', 'ws-week'], ['/learn/demo-su/panel', 'ws-panel'],
    ['/learn/demo-su/playlist', 'ws-playlist']]) {
    await checkBothWidths(page, p, shot);
  }
  const links = await page.locator('main .playlist__title a').evaluateAll((as) => as.map((a) => a.getAttribute('rel')));
  assert(links.length > 0 && links.every((r) => r === 'noopener noreferrer'), 'every resource link has rel="noopener noreferrer"');
});

// A participant opens the course from My courses, watches the panel (marks
// it watched) and checks off a resource by Tab and Enter only, with a
// visible focus ring on every control on the way; the pages after each
// action are clean under axe at both widths.
test('keyboard only: open the course, mark the panel watched, check off a resource', async (page) => {
  await signUpAndPay(page, 'Kai Keyboard', 'demo-su');
  await visit(page, '/my');
  await tabTo(page, 'main a[href="/learn/demo-su"]');
  await Promise.all([page.waitForURL(/\/learn\/demo-su$/), page.keyboard.press('Enter')]);
  const week = await page.textContent('main');
  assert(/Your progress/.test(week) && /shown in/.test(week), 'the week shows progress and the zone of its times');

  await visit(page, '/learn/demo-su/panel');
  await tabTo(page, 'main form button[type="submit"]');
  assert(/watched/i.test(await page.evaluate(() => document.activeElement.textContent)), 'the focused button marks it watched');
  // The form posts back to the same address: wait for the new page's text, not the URL.
  await page.keyboard.press('Enter');
  await page.locator('main').getByText('You have watched the panel').waitFor();
  await checkBothWidths(page, '/learn/demo-su/panel', 'ws-panel-watched');

  await visit(page, '/learn/demo-su/playlist');
  assert(/Checked off: 0 of/.test(await page.textContent('main')), 'nothing is checked off yet');
  await tabTo(page, 'main form button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.locator('main').getByText(/Checked off: 1 of/).waitFor();
  await checkBothWidths(page, '/learn/demo-su/playlist', 'ws-playlist-checked');
  await visit(page, '/learn/demo-su');
  assert(/Done: 2 of/.test(await page.textContent('main')), 'the week counts the panel and the resource');
});

// The stylesheet closes every block it opens: one lost '}' (an easy slip
// when several parts add rules at once) swallows every rule after it.
test('stylesheet: every block is closed', async (page) => {
  const res = await page.request.get(url('/static/style.css'));
  assert(res.status() === 200, `GET /static/style.css: ${res.status()}`);
  const css = (await res.text()).replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  let depth = 0, line = 1, top = 0;
  for (const ch of css) {
    if (ch === '\n') line++;
    else if (ch === '{') {
      depth++;
      if (depth === 1) top = line;
    } else if (ch === '}') depth--;
    assert(depth >= 0, `style.css: a '}' with nothing open near line ${line}`);
    assert(depth <= 2, `style.css: the block opened near line ${top} is not closed before line ${line}`);
  }
  assert(depth === 0, `style.css ends with ${depth} block(s) still open`);
});

// ------------------------------------------- discussions and activities walk

// A real 8 x 8 PNG (a grey square), built here so the hand-in carries a file
// whose bytes are what its name says.
function tinyPng() {
  const crcTable = [];
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crcTable.push(c >>> 0);
  }
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc(8 * 9, 0x80);
  for (let y = 0; y < 8; y++) rows[y * 9] = 0; // filter type per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Types text into the focused field, one key at a time, as a person would.
async function typeHere(page, text) {
  await page.keyboard.type(text);
}

// Presses Enter on the focused control and waits for the page it leads to.
async function enterAndLoad(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  const status = await page.evaluate(() => document.title);
  return status;
}

// The discussions by keyboard: the list, a prompt space, starting a thread,
// the thread, a reply, quoting that reply, and editing one's own post; every
// page clean under axe at 1280 and 390 px, with a focus ring on every
// control Tab reaches on the way.
test('keyboard only: discussions, start a thread, reply, quote, edit', async (page) => {
  await signUpAndPay(page, 'Dana Discuss', 'demo-su');
  const code = 'demo-su';
  await visit(page, `/learn/${code}`);
  await tabTo(page, `main a[href="/learn/${code}/discuss"], nav a[href="/learn/${code}/discuss"]`);
  await enterAndLoad(page);
  assert(new URL(page.url()).pathname === `/learn/${code}/discuss`, 'the workspace nav leads to the discussions');
  await checkBothWidths(page, `/learn/${code}/discuss`, 'ws-discuss');

  const space = `/learn/${code}/discuss/energy-check`;
  await tabTo(page, `main a[href="${space}"]`);
  await enterAndLoad(page);
  assert(/The prompt/.test(await page.textContent('main')), 'a prompt space shows its prompt');
  await checkBothWidths(page, space, 'ws-space');

  // A thread with an empty body comes back with the title kept.
  await tabTo(page, 'main #title');
  await typeHere(page, 'Where my energy goes');
  await tabTo(page, 'main form button[type="submit"]');
  await enterAndLoad(page);
  assert(await page.inputValue('#title') === 'Where my energy goes', 'the title typed is kept when the form comes back');
  assert(await page.locator('#body[aria-invalid="true"]').count() === 1, 'the empty body is marked');
  await checkA11y(page);
  await page.focus('#title');
  await tabTo(page, 'main #body');
  await typeHere(page, 'Mornings go to *planning*, afternoons to people.');
  await tabTo(page, 'main form button[type="submit"]');
  await enterAndLoad(page);
  const thread = new URL(page.url()).pathname;
  assert(/\/threads\/\d+$/.test(thread), `starting a thread lands on it (at ${thread})`);
  assert(await page.locator('main h1').textContent() === 'Where my energy goes', 'the thread page is titled');
  await checkBothWidths(page, thread, 'ws-thread');

  // A reply, by keyboard.
  await tabTo(page, 'main #body');
  await typeHere(page, 'Update: I moved the planning to Monday.');
  await tabTo(page, 'main #reply button[type="submit"]');
  await enterAndLoad(page);
  assert(/moved the planning to Monday/.test(await page.textContent('main .posts')), 'the reply is in the thread');
  await checkBothWidths(page, thread, 'ws-thread-replied');

  // Quote the reply (the second post's Quote link).
  await tabTo(page, 'main .posts > li:nth-child(2) a[href*="quote="]');
  await enterAndLoad(page);
  assert(/Quoting Dana Discuss/.test(await page.textContent('main #reply')), 'the reply form shows the quote');
  const quoting = new URL(page.url());
  await checkBothWidths(page, quoting.pathname + quoting.search, 'ws-thread-quote');
  await tabTo(page, 'main #body');
  await typeHere(page, 'And it worked.');
  await tabTo(page, 'main #reply button[type="submit"]');
  await enterAndLoad(page);
  const quoted = page.locator('main .posts > li:nth-child(3)');
  assert(/Dana Discuss wrote/.test(await quoted.textContent()), 'the new post carries the quote');

  // Edit the first post: open the disclosure, change the text, save.
  await visit(page, thread);
  await tabTo(page, 'main .posts > li:nth-child(1) .post__edit summary');
  await page.keyboard.press('Enter');
  await tabTo(page, 'main .posts > li:nth-child(1) .post__edit textarea');
  // An edit refused (too long) comes back on the thread with the form open
  // and the text kept, not on an error page that loses it.
  const long = 'Too much. '.repeat(2001);
  await page.fill('main .posts > li:nth-child(1) .post__edit textarea', long);
  await tabTo(page, 'main .posts > li:nth-child(1) .post__edit button[type="submit"]');
  await enterAndLoad(page);
  const edit = 'main .posts > li:nth-child(1) .post__edit';
  assert(await page.locator(`${edit}[open] .field__error`).count() === 1, 'a refused edit shows its error in the open form');
  assert(await page.inputValue(`${edit} textarea`) === long, 'a refused edit keeps the text typed');
  await checkA11y(page);
  await page.focus(`${edit} summary`);
  await tabTo(page, `${edit} textarea`);
  await page.keyboard.press('Control+a');
  await typeHere(page, 'Mornings go to planning, afternoons to people, Fridays to nobody.');
  await tabTo(page, 'main .posts > li:nth-child(1) .post__edit button[type="submit"]');
  await enterAndLoad(page);
  assert(/Fridays to nobody/.test(await page.textContent('main .posts')), 'the edit is saved');
  assert(/edited/.test(await page.textContent('main .posts > li:nth-child(1)')), 'the post says it was edited');
  await checkBothWidths(page, thread, 'ws-thread-edited');
}, { timeoutMs: 180000 });

// ------------------------------------------------ moderation

// A participant starts a thread; staff (who may moderate every offering)
// pins it, marks it exemplary and hides it with a reason by keyboard, then
// opens the move form, the wrap-up form (and posts one) and the moderation
// log: every page clean under axe at 1280 and 390 px, a focus ring on every
// control on the way; the participant sees the placeholder, not the text.
test('moderation: pin, exemplary, hide, move, wrap-up and the log', async (page, t) => {
  const code = 'demo-su';
  const other = await t.context.browser().newContext({ viewport: { width: 1280, height: 900 } });
  let thread;
  const learner = await other.newPage();
  try {
    await signUpAndPay(learner, 'Moe Moderated', code);
    await visit(learner, `/learn/${code}/discuss/general`);
    await learner.fill('#title', 'A thread to moderate');
    await learner.fill('#body', 'My student MOE-SECRET said this today.');
    await Promise.all([learner.waitForNavigation({ waitUntil: 'load' }), learner.click('main form button[type="submit"]')]);
    thread = new URL(learner.url()).pathname;
    assert(/\/threads\/\d+$/.test(thread), `the participant's thread opens (at ${thread})`);

    await signInStaff(page);
    await visit(page, thread);
    assert(/Moderate this thread/.test(await page.textContent('main')), 'staff see the moderation tools');
    await checkBothWidths(page, thread, 'mod-thread');
    await tabTo(page, `main form[action="${thread}/pin"] button`);
    await enterAndLoad(page);
    assert(/Unpin/.test(await page.textContent('main .moderate-panel')), 'the thread is pinned');
    await tabTo(page, 'main .posts > li:nth-child(1) form[action$="/exemplary"] button');
    await enterAndLoad(page);
    assert(await page.locator('main .badge--exemplary').count() === 1, 'the post is marked exemplary');
    await checkBothWidths(page, thread, 'mod-thread-exemplary');
    await tabTo(page, 'main .posts > li:nth-child(1) .post__hide summary');
    await page.keyboard.press('Enter');
    await tabTo(page, 'main .posts > li:nth-child(1) .post__hide textarea');
    await typeHere(page, 'It names a student; take the name out and post again.');
    await tabTo(page, 'main .posts > li:nth-child(1) .post__hide button[type="submit"]');
    await enterAndLoad(page);
    assert(/Reason: It names a student/.test(await page.textContent('main .posts')), 'staff see why it is hidden');
    await checkBothWidths(page, thread, 'mod-thread-hidden');

    await visit(learner, thread);
    const seen = await learner.textContent('main .posts');
    assert(/hidden by a coach/.test(seen) && !/MOE-SECRET/.test(seen), 'the participant sees the placeholder only');

    const post = (await page.locator('main .posts > li:nth-child(1)').getAttribute('id')).replace('post-', '');
    await checkBothWidths(page, `${thread}/move`, 'mod-move');
    await checkBothWidths(page, `/learn/${code}/posts/${post}/hide`, 'mod-hide');
    await checkBothWidths(page, `/learn/${code}/wrapup`, 'mod-wrapup');
    await page.fill('#body', 'Today we **met** the panel. Tomorrow: the first activity.');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('main form button[type="submit"]')]);
    assert(/Wrap-up/.test(await page.textContent('main .thread-meta')), 'the wrap-up is posted as one');
    await checkBothWidths(page, `/coach/offerings/${code}/moderation`, 'mod-log');
    const log = await page.textContent('main table');
    assert(/Hid Moe Moderated's post/.test(log) && /Pinned the thread/.test(log) && /Posted the wrap-up/.test(log), 'the log lists the actions');
  } finally {
    await other.close();
  }
}, { timeoutMs: 240000 });

// The activities: the list, an activity, handing in text and a PNG, the
// share confirmation and sharing, the gallery with a comment; then a second
// participant of the same offering sees the shared work and comments, and
// the first finds that comment in the notifications.
test('keyboard only: activities, hand in a file, share, gallery, a classmate comments', async (page, t) => {
  await signUpAndPay(page, 'Ari Activity', 'demo-su');
  const code = 'demo-su';
  const key = 'assess-your-leadership-against-the-framework';
  const activity = `/learn/${code}/activities/${key}`;
  await visit(page, `/learn/${code}`);
  await tabTo(page, `main a[href="/learn/${code}/activities"], nav a[href="/learn/${code}/activities"]`);
  await enterAndLoad(page);
  await checkBothWidths(page, `/learn/${code}/activities`, 'ws-activities');
  await tabTo(page, `main a[href="${activity}"]`);
  await enterAndLoad(page);
  await checkBothWidths(page, activity, 'ws-activity');

  // Hand in: the text by keyboard, the file through the file chooser.
  await tabTo(page, 'main #body');
  await typeHere(page, 'Strongest area: **relationships**. Focus for this term: data use.');
  await page.setInputFiles('#files', { name: 'self-assessment.png', mimeType: 'image/png', buffer: tinyPng() });
  await page.focus('#files');
  await tabTo(page, 'main form[enctype] button[type="submit"]');
  await enterAndLoad(page);
  const main = await page.textContent('main');
  assert(/Version 1/.test(main) && /self-assessment\.png/.test(main), 'the activity lists version 1 with its file');
  await checkBothWidths(page, activity, 'ws-activity-handed-in');

  // Share: the link, the confirmation page, the button.
  await tabTo(page, 'main a[href$="/share"]');
  await enterAndLoad(page);
  const share = new URL(page.url()).pathname;
  assert(/\/submissions\/\d+\/share$/.test(share), 'sharing asks first on a page of its own');
  await checkBothWidths(page, share, 'ws-share');
  await tabTo(page, 'main form button[type="submit"]');
  await enterAndLoad(page);
  const gallery = `${activity}/gallery`;
  assert(new URL(page.url()).pathname === gallery, `sharing lands on the gallery (at ${page.url()})`);
  assert(/Your work is shared/.test(await page.textContent('body')), 'the gallery says the work is shared');

  // The gallery, and a comment on one's own work.
  assert(/Ari Activity/.test(await page.textContent('main .gallery')), 'the gallery shows the shared work');
  await checkBothWidths(page, gallery, 'ws-gallery');
  await tabTo(page, 'main .gallery textarea');
  await typeHere(page, 'Note to self: the PNG is the scored rubric.');
  await tabTo(page, 'main .gallery form button[type="submit"]');
  await enterAndLoad(page);
  assert(/Note to self/.test(await page.textContent('main .gallery')), 'the comment is shown');
  await checkBothWidths(page, gallery, 'ws-gallery-commented');

  // A classmate opens the gallery, sees the work and its file, and comments.
  const other = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const p2 = await other.newPage();
    p2.setDefaultTimeout(15000);
    await signUpAndPay(p2, 'Bea Classmate', code);
    await visit(p2, gallery);
    const g = await p2.textContent('main .gallery');
    assert(/Ari Activity/.test(g) && /self-assessment\.png/.test(g), 'a classmate sees the shared work and its file');
    const file = await firstHref(p2, 'main .gallery .files a');
    const res = await p2.request.get(url(file));
    assert(res.status() === 200, `a classmate can open the shared file (got ${res.status()})`);
    const body = await res.body();
    assert(body.subarray(1, 4).toString() === 'PNG', 'the file comes back as the PNG handed in');
    await checkBothWidths(p2, gallery, 'ws-gallery-classmate');
    await tabTo(p2, 'main .gallery textarea');
    await typeHere(p2, 'Starting with data use is a good call.');
    await tabTo(p2, 'main .gallery form button[type="submit"]');
    await enterAndLoad(p2);
    assert(/good call/.test(await p2.textContent('main .gallery')), "the classmate's comment is shown");
  } finally {
    await other.close();
  }

  await visit(page, '/notifications');
  assert(/Bea Classmate/.test(await page.textContent('main')), 'the first participant is told of the comment');
  await checkBothWidths(page, '/notifications', 'ws-notifications');
  // The notification leads to the comment's submission in the gallery.
  await tabTo(page, 'main .notice-item__title a');
  await enterAndLoad(page);
  const at = new URL(page.url());
  assert(at.pathname === gallery && /^#submission-\d+$/.test(at.hash), `the notification opens the gallery at the work (at ${page.url()})`);
  assert(/good call/.test(await page.textContent('main .gallery')), "the gallery shows the classmate's comment");
}, { timeoutMs: 180000 });

// ---------------------------------------------- certs: completion pages
// A participant's completion page in the workspace and the coach's
// completion page for the offering (staff may open it for any offering)
// are clean under axe and fit at desktop and phone width; the participant
// is listed against the rules, without a sign-off while they are not met.
test('certs: completion pages are accessible at 1280 and 390 px', async (page, t) => {
  const other = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const p = await other.newPage();
    await signUpAndPay(p, 'Cleo Completer', 'demo-al');
    await checkBothWidths(p, '/learn/demo-al/certificate', 'certs-learn');
    const text = await p.textContent('main');
    assert(/What completion asks/.test(text) && /0 of 3/.test(text), 'the participant sees the rules with their progress');
  } finally {
    await other.close();
  }
  await signInStaff(page);
  await checkBothWidths(page, '/coach/offerings/demo-al/completion', 'certs-completion');
  const main = await page.textContent('main');
  assert(/Cleo Completer/.test(main) && /Not yet/.test(main), 'the participant is listed, not yet meeting the rules');
  const res = await page.request.get(url('/badges/issuer.json'));
  assert(res.status() === 200 && (await res.json()).type === 'Issuer', 'the badge issuer is served');
});
// ---------------------------------------------- end of certs

// ---------------------------------------------------- announcements

// Announcements by keyboard: staff (a seat in every workspace) posts one
// now (after a refused empty one), schedules another and withdraws it; a
// participant of the offering finds the first on the week page, the
// announcements page and in the notifications. Every page is clean under
// axe at 1280 and 390 px, with a focus ring on every control on the way.
test('keyboard only: announcements, post now, schedule and withdraw, a participant reads', async (page, t) => {
  const code = 'demo-su';
  const list = `/learn/${code}/announcements`;
  const other = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const reader = await other.newPage();
    await signUpAndPay(reader, 'Nell Notice', code);

    await signInStaff(page);
    await checkBothWidths(page, list, 'ws-announcements-form');
    // An empty title comes back marked, with the message kept.
    await tabTo(page, 'main #body');
    await typeHere(page, 'The live session moves to *Thursday* at 18:00.');
    await tabTo(page, 'main form button[type="submit"]');
    await enterAndLoad(page);
    assert(await page.locator('#title[aria-invalid="true"]').count() === 1, 'the empty title is marked');
    assert(/Thursday/.test(await page.inputValue('#body')), 'the message typed is kept');
    await checkA11y(page);
    await page.focus('#body');
    await page.keyboard.press('Shift+Tab');
    await typeHere(page, 'Live session moved');
    await tabTo(page, 'main form button[type="submit"]');
    await enterAndLoad(page);
    assert(new URL(page.url()).pathname === list, 'posting lands on the announcements');
    assert(/Live session moved/.test(await page.textContent('main .announcements')), 'the announcement is listed');
    await checkBothWidths(page, list, 'ws-announcements-posted');

    // Schedule one: "At a time I choose" by the arrow key, then withdraw it.
    await tabTo(page, 'main #title');
    await typeHere(page, 'Draft clinic');
    await tabTo(page, 'main #body');
    await typeHere(page, 'Bring a draft of your profile.');
    await tabTo(page, 'main #when-now');
    await page.keyboard.press('ArrowDown');
    assert(await page.isChecked('#when-later'), 'the arrow key chooses a later time');
    await tabTo(page, 'main #publish-at');
    await page.fill('#publish-at', `${new Date().getUTCFullYear() + 1}-01-15T09:00`);
    await tabTo(page, 'main form button[type="submit"]');
    await enterAndLoad(page);
    assert(/Draft clinic\s*Scheduled/.test(await page.textContent('main .announcements')), 'it is listed as scheduled');
    await checkBothWidths(page, list, 'ws-announcements-scheduled');
    await page.focus('main #publish-at');
    await tabTo(page, 'main .announcement form button[type="submit"]');
    await enterAndLoad(page);
    assert(!/Draft clinic/.test(await page.textContent('main')), 'the withdrawn one is gone');

    // The participant: the week page, the list, the notification.
    await visit(reader, `/learn/${code}`);
    assert(/Latest announcement[\s\S]*Live session moved/.test(await reader.textContent('main')), 'the week page shows it');
    await checkBothWidths(reader, `/learn/${code}`, 'ws-week-announcement');
    await tabTo(reader, `nav a[href="${list}"]`);
    await enterAndLoad(reader);
    assert(!/Draft clinic/.test(await reader.textContent('main')), 'a participant never saw the withdrawn one');
    assert(await reader.locator('main #publish-at').count() === 0, 'a participant gets no form');
    await checkBothWidths(reader, list, 'ws-announcements-participant');
    await visit(reader, '/notifications');
    assert(/Live session moved/.test(await reader.textContent('main')), 'the participant is notified');
  } finally {
    await other.close();
  }
}, { timeoutMs: 180000 });

// ---------------------------------------------------- end of announcements

// ---------------------------------------------------------- roster (coach side)

// The roster and the private messages: a participant writes to the coaches
// from the workspace by keyboard; staff (who may facilitate every offering)
// open the roster, follow the participant's row to their page, and answer;
// the participant reads the answer. Every page is clean under axe and fits
// at 1280 and 390 px.
test('roster: the roster, a participant\'s page and messages both ways', async (page, t) => {
  const code = 'demo-su';
  const other = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const p = await other.newPage();
    await signUpAndPay(p, 'Mira Message', code);
    await visit(p, `/learn/${code}`);
    await tabTo(p, `nav a[href="/learn/${code}/messages"]`);
    await enterAndLoad(p);
    assert(new URL(p.url()).pathname === `/learn/${code}/messages`, 'the workspace nav leads to the messages');
    await checkBothWidths(p, `/learn/${code}/messages`, 'ws-messages');
    // an empty message comes back marked, then one is sent
    await tabTo(p, 'main form button[type="submit"]');
    await enterAndLoad(p);
    assert(await p.locator('#body[aria-invalid="true"]').count() === 1, 'the empty message is marked');
    await checkA11y(p);
    await p.focus('#body');
    await typeHere(p, 'Could I hand the *second* activity in on Friday?');
    await tabTo(p, 'main form button[type="submit"]');
    await enterAndLoad(p);
    assert(/hand the second activity in on Friday/.test(await p.textContent('main .messages')), 'the message is in the thread');

    await signInStaff(page);
    await checkBothWidths(page, `/coach/offerings/${code}/roster`, 'coach-roster');
    const row = page.locator('main tbody th a', { hasText: 'Mira Message' }).first();
    assert(await row.count() === 1, 'the roster lists the participant');
    const person = new URL(await row.getAttribute('href'), BASE_URL).pathname;
    await checkBothWidths(page, person, 'coach-person');
    assert(/hand the second activity in on Friday/.test(await page.textContent('main #messages')), 'staff see the message');
    await page.focus('#body');
    await typeHere(page, 'Yes, Friday is fine.');
    await tabTo(page, 'main #messages form button[type="submit"]');
    await enterAndLoad(page);
    assert(/Friday is fine/.test(await page.textContent('main #messages')), 'the answer is in the thread');
    await checkBothWidths(page, person, 'coach-person-answered');
    const csv = await page.request.get(url(`/coach/offerings/${code}/roster.csv`));
    assert(csv.status() === 200 && /Mira Message/.test(await csv.text()), 'the CSV holds the participant');

    await visit(p, `/learn/${code}/messages`);
    assert(/Friday is fine/.test(await p.textContent('main .messages')), 'the participant reads the answer');
  } finally {
    await other.close();
  }
}, { timeoutMs: 180000 });

// ---------------------------------------------------- feedback (coach feedback on submissions)

// A participant hands in work; staff open it, are refused without a
// decision (the text kept), then give feedback with a rubric level and a
// decision; the participant finds it on the activity page and through the
// notification on the submission's page. Every page clean under axe at
// 1280 and 390 px.
test('feedback: staff give feedback on a version, the participant reads it', async (page, t) => {
  await signUpAndPay(page, 'Fay Feedback', 'demo-su');
  const code = 'demo-su';
  const key = 'build-a-multi-year-implementation-roadmap';
  const activity = `/learn/${code}/activities/${key}`;
  await visit(page, activity);
  await page.fill('main #body', 'Year one: **pilot** in two grades. Year two: every grade.');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('main form[enctype] button[type="submit"]')]);
  const share = await firstHref(page, 'main a[href$="/share"]');
  const id = (share.match(/\/submissions\/(\d+)\/share$/) || [])[1];
  assert(id, `the activity page links the version (got ${share})`);
  const sub = `/learn/${code}/submissions/${id}`;
  assert(/Waiting for feedback/.test(await page.textContent('main')), 'the version waits for feedback');
  await checkBothWidths(page, sub, 'feedback-participant-waiting');

  const other = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const s = await other.newPage();
    s.setDefaultTimeout(15000);
    await signInStaff(s);
    await visit(s, sub);
    assert(/Year one/.test(await s.textContent('main')), 'staff see the work');
    await checkBothWidths(s, sub, 'feedback-form');
    // Refused without a decision: the text comes back, the error is linked.
    await tabTo(s, 'main #feedback-body');
    await typeHere(s, 'A clear *pilot*. Name who leads year two.');
    await tabTo(s, 'main form button[type="submit"]');
    await enterAndLoad(s);
    assert(await s.locator('main .error-summary').count() === 1, 'a feedback without a decision is refused with a summary');
    assert(/Name who leads year two/.test(await s.inputValue('#feedback-body')), 'the text typed is kept');
    await checkA11y(s);
    // Choose a level and a decision by keyboard, then send.
    await s.focus('#level-2');
    await s.keyboard.press('Space');
    await s.focus('#decision-revise');
    await s.keyboard.press('Space');
    await tabTo(s, 'main form button[type="submit"]');
    await enterAndLoad(s);
    const at = new URL(s.url());
    assert(at.pathname === sub && /^#feedback-\d+$/.test(at.hash), `feedback lands on the version (at ${s.url()})`);
    assert(/Name who leads year two/.test(await s.textContent('main .feedback-list')), 'the feedback is shown');
    await checkBothWidths(s, sub, 'feedback-given');
  } finally {
    await other.close();
  }

  await visit(page, activity);
  const main = await page.textContent('main');
  assert(/Name who leads year two/.test(main) && /Revise and resubmit/.test(main), 'the participant reads the feedback on the activity page');
  await checkBothWidths(page, activity, 'feedback-activity');
  await visit(page, `/learn/${code}/activities`);
  assert(/Revise and resubmit/.test(await page.textContent('main .activities')), 'the list of activities shows the decision');
  await checkBothWidths(page, `/learn/${code}/activities`, 'feedback-activities');
  await visit(page, '/notifications');
  await tabTo(page, `main .notice-item__title a`);
  await enterAndLoad(page);
  assert(new URL(page.url()).pathname === sub, `the notification opens the submission (at ${page.url()})`);
  await checkBothWidths(page, sub, 'feedback-participant');
}, { timeoutMs: 180000 });
// ---- the rest of the week's controls, by keyboard ----

// Follow and mute, a thread long enough for two pages, deleting one's own
// post to a tombstone, and taking shared work back from the gallery: each
// by Tab and Enter with a focus ring on the way, every page clean under axe
// at 1280 and 390 px.
test('keyboard only: follow and mute, thread pages, delete a post, stop sharing', async (page) => {
  await signUpAndPay(page, 'Pia Pages', 'demo-su');
  const code = 'demo-su';
  await visit(page, `/learn/${code}/discuss/general`);
  await page.fill('#title', 'A long conversation');
  await page.fill('#body', 'The first post of many.');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('main form button[type="submit"]')]);
  const thread = new URL(page.url()).pathname;
  assert(/\/threads\/\d+$/.test(thread), `starting a thread lands on it (at ${thread})`);

  // Starting it follows it; mute, unmute, follow again.
  assert(/You follow this thread/.test(await page.textContent('main .thread-follow')), 'the author follows the thread');
  await tabTo(page, 'main .thread-follow form[action$="/mute"] button');
  await enterAndLoad(page);
  assert(/You have muted this thread/.test(await page.textContent('main .thread-follow')), 'muting says so');
  await checkBothWidths(page, thread, 'ws-thread-muted');
  await tabTo(page, 'main .thread-follow form[action$="/unfollow"] button');
  await enterAndLoad(page);
  const neither = await page.textContent('main .thread-follow');
  assert(!/You follow/.test(neither) && !/muted/.test(neither), 'unmuting leaves neither');
  await tabTo(page, 'main .thread-follow form[action$="/follow"] button');
  await enterAndLoad(page);
  assert(/You follow this thread/.test(await page.textContent('main .thread-follow')), 'following says so');
  await tabTo(page, 'main .thread-follow form[action$="/unfollow"] button');
  await enterAndLoad(page);
  assert(!/You follow/.test(await page.textContent('main .thread-follow')), 'stopping follows no more');

  // Fifty more replies (posted straight to the reply route, with the
  // form's token) make a second page.
  const csrf = await page.inputValue('#reply input[name="csrf"]');
  for (let i = 1; i <= 50; i++) {
    const res = await page.request.post(url(`${thread}/reply`), { form: { csrf, body: `Reply number ${i}.` }, maxRedirects: 0 });
    assert(res.status() === 303, `reply ${i}: expected 303, got ${res.status()}`);
  }
  await visit(page, thread);
  assert(/Page 1 of 2/.test(await page.textContent('main .pagination')), 'the thread has two pages');
  assert(await page.locator('main .posts > li').count() === 50, 'fifty posts on the first page');
  await tabTo(page, 'main .pagination a[rel="next"]', 400);
  await enterAndLoad(page);
  const second = new URL(page.url());
  assert(/Page 2 of 2/.test(await page.textContent('main .pagination')), `the next page is the second (at ${page.url()})`);
  assert(/Reply number 50\./.test(await page.textContent('main .posts')), 'the newest reply is on the second page');
  await checkBothWidths(page, second.pathname + second.search, 'ws-thread-page2');
  await tabTo(page, 'main .pagination a[rel="prev"]');
  await enterAndLoad(page);
  assert(/Page 1 of 2/.test(await page.textContent('main .pagination')), 'earlier posts lead back to the first page');

  // Delete the newest reply: open the disclosure, confirm.
  await visit(page, second.pathname + second.search);
  const last = 'main .posts > li:last-child';
  const lastId = await page.getAttribute(last, 'id');
  await tabTo(page, `${last} .post__delete summary`);
  await page.keyboard.press('Enter');
  await tabTo(page, `${last} .post__delete button[type="submit"]`);
  await enterAndLoad(page);
  const gone = page.locator(`main #${lastId}`);
  assert(/This post was deleted\./.test(await gone.textContent()), 'the deleted post leaves a tombstone');
  assert(!/Reply number 50\./.test(await page.textContent('main .posts')), 'its text is gone');
  const at = new URL(page.url());
  await checkBothWidths(page, at.pathname + at.search, 'ws-thread-deleted');

  // Hand in, share, then stop sharing: the gallery no longer shows it.
  const activity = `/learn/${code}/activities/assess-your-leadership-against-the-framework`;
  await visit(page, activity);
  await page.fill('#body', 'A draft I will take back.');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('main form[enctype] button[type="submit"]')]);
  await tabTo(page, 'main a[href$="/share"]');
  await enterAndLoad(page);
  await tabTo(page, 'main form button[type="submit"]');
  await enterAndLoad(page);
  assert(/Pia Pages/.test(await page.textContent('main')), 'the gallery shows the shared draft');
  await visit(page, activity);
  assert(/Shared with your cohort/.test(await page.textContent('main')), 'the version says it is shared');
  await tabTo(page, 'main form[action$="/unshare"] button[type="submit"]');
  await enterAndLoad(page);
  assert(/Only you and your coach can see this/.test(await page.textContent('main')), 'the version is private again');
  assert(await page.locator('main a[href$="/share"]').count() > 0, 'it may be shared again');
  const back = new URL(page.url());
  await checkBothWidths(page, back.pathname + back.search, 'ws-activity-unshared');
  await visit(page, `${activity}/gallery`);
  assert(!/Pia Pages/.test(await page.textContent('main')), 'the gallery no longer shows it');
}, { timeoutMs: 240000 });

// ---------------------------------------------------- coaching

// The coach's pages by keyboard: a participant starts a thread; staff (who
// may do all a coach may, in every offering) follow the Coaching link to
// the landing page, open what needs them, find the thread there with how
// long it waited, open it from the queue, reply, and find it gone; then
// mark another row as needing no reply. Every page clean under axe at 1280
// and 390 px.
test('keyboard only: coaching, the queue, open a thread, reply, no reply needed', async (page, t) => {
  const code = 'demo-su';
  const other = await t.context.browser().newContext({ viewport: { width: 1280, height: 900 } });
  const titles = [`Coach question ${Date.now()}`, `Thanks all ${Date.now()}`];
  try {
    const p2 = await other.newPage();
    await signUpAndPay(p2, 'Quinn Queue', code);
    for (const title of titles) {
      await visit(p2, `/learn/${code}/discuss/general`);
      await p2.fill('main #title', title);
      await p2.fill('main #body', 'Is the panel recording required before day 2?');
      await Promise.all([p2.waitForNavigation({ waitUntil: 'load' }), p2.click('main form button[type="submit"]')]);
      assert(/\/threads\/\d+$/.test(new URL(p2.url()).pathname), 'the participant starts a thread');
    }
  } finally {
    await other.close();
  }
  await signInStaff(page);
  await visit(page, '/my');
  await tabTo(page, 'nav a[href="/coach"]');
  await enterAndLoad(page);
  assert(new URL(page.url()).pathname === '/coach', 'the Coaching link leads to the landing page');
  assert(/Your offerings/.test(await page.textContent('main h1')), 'the landing page is titled');
  await checkBothWidths(page, '/coach', 'coach-home');
  await tabTo(page, 'main a[href="/coach/queue"]');
  await enterAndLoad(page);
  assert(new URL(page.url()).pathname === '/coach/queue', 'the landing page leads to the queue');
  await checkBothWidths(page, '/coach/queue', 'coach-queue');
  const row = page.locator('main .queue-item', { hasText: titles[0] });
  assert(await row.count() === 1, 'the new thread is in the queue');
  assert(/waiting/.test(await row.textContent()), 'the row says how long it waited');
  const link = await row.locator('.queue-item__title a').getAttribute('href');
  assert(/^\/learn\/demo-su\/threads\/\d+$/.test(link), `the row links to the thread (${link})`);
  await tabTo(page, `main .queue-item__title a[href="${link}"]`);
  await enterAndLoad(page);
  assert(new URL(page.url()).pathname === link, 'the row opens the thread');
  await tabTo(page, 'main #body');
  await typeHere(page, 'Not required: it is there whenever suits you this week.');
  await tabTo(page, 'main #reply button[type="submit"]');
  await enterAndLoad(page);
  await visit(page, '/coach/queue');
  assert(await page.locator('main .queue-item', { hasText: titles[0] }).count() === 0, 'a reply removes the row');
  // The other thread needs no reply: its own button, by keyboard.
  const second = page.locator('main .queue-item', { hasText: titles[1] });
  assert(await second.count() === 1, 'the second thread is in the queue');
  const id = await second.getAttribute('id');
  await tabTo(page, `main #${id} form[action$="/no-reply"] button`);
  await enterAndLoad(page);
  assert(new URL(page.url()).pathname === '/coach/queue', 'marking returns to the queue');
  assert(/needing no reply/.test(await page.textContent('.flash')), 'the queue says what happened');
  assert(await page.locator('main .queue-item', { hasText: titles[1] }).count() === 0, 'the marked row is gone');
  await checkA11y(page);
}, { timeoutMs: 180000 });

// ---------------------------------------------------- a coach's whole round

// Signs page in as the demo offerings' coach (COACH_EMAIL, COACH_PASSWORD:
// tests/run.sh gives the course files' coach a password).
async function signInCoach(page) {
  const email = process.env.COACH_EMAIL, password = process.env.COACH_PASSWORD;
  assert(email && password, 'COACH_EMAIL and COACH_PASSWORD name the demo coach (tests/run.sh sets a password)');
  await visit(page, '/signin');
  await page.getByLabel(/e-mail/i).first().fill(email);
  await page.getByLabel(/password/i).first().fill(password);
  await page.getByLabel(/password/i).first().press('Enter');
  await page.waitForURL((u) => !/\/signin/.test(u.pathname));
}

// The coach's round as the coach themself (not staff), by keyboard: a
// participant hands in all three activities and posts three times; the coach
// signs in and lands on Coaching, opens what needs them in that offering,
// goes from each submission's row to the submission, gives feedback with a
// rubric level and "complete", and finds the row gone; then signs the
// participant off on the completion page, opens the certificate and checks
// its Open Badges assertion; the participant finds the certificate in the
// workspace. Every page clean under axe at 1280 and 390 px.
test('coach walk: from the queue to feedback and sign-off, then the certificate', async (page, t) => {
  const code = 'demo-lm';
  const name = `Rowan Round ${Date.now() % 100000}`;
  const keys = ['write-a-mastery-credit', 'design-a-learning-experience-aligned-to-your-credit',
    'draft-your-common-pedagogy-framework'];
  const other = await t.context.browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const p = await other.newPage();
    await signUpAndPay(p, name, code);
    for (const key of keys) {
      await visit(p, `/learn/${code}/activities/${key}`);
      await p.fill('main #body', `My work on ${key}: a **first** full draft.`);
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('main form[enctype] button[type="submit"]')]);
      assert(/Waiting for feedback/.test(await p.textContent('main')), `the ${key} version waits for feedback`);
    }
    for (let i = 1; i <= 3; i++) {
      await visit(p, `/learn/${code}/discuss/general`);
      await p.fill('main #title', `Round note ${i}`);
      await p.fill('main #body', `Thinking aloud, part ${i}.`);
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('main form button[type="submit"]')]);
    }

    await signInCoach(page);
    assert(new URL(page.url()).pathname === '/coach', `a coach lands on Coaching (at ${page.url()})`);
    await checkBothWidths(page, '/coach', 'round-coach-home');
    await tabTo(page, `main a[href="/coach/queue?offering=${code}"]`);
    await enterAndLoad(page);
    await checkBothWidths(page, `/coach/queue?offering=${code}`, 'round-queue');
    for (let k = 0; k < keys.length; k++) {
      const row = page.locator('main .queue-item--submission', { hasText: name }).first();
      assert(await row.count() === 1, `a submission of ${name} waits in the queue (${keys.length - k} left)`);
      const href = await row.locator('.queue-item__title a').getAttribute('href');
      assert(/^\/learn\/demo-lm\/submissions\/\d+$/.test(href), `the row opens the submission (${href})`);
      await tabTo(page, `main .queue-item__title a[href="${href}"]`);
      await enterAndLoad(page);
      assert(new URL(page.url()).pathname === href, 'the row leads to the submission');
      if (k === 0) await checkBothWidths(page, href, 'round-submission');
      await tabTo(page, 'main #feedback-body');
      await typeHere(page, 'Clear and complete: the criteria show growth.');
      await page.focus('#level-3');
      await page.keyboard.press('Space');
      await page.focus('#decision-complete');
      await page.keyboard.press('Space');
      await tabTo(page, 'main form button[type="submit"]');
      await enterAndLoad(page);
      assert(/Clear and complete/.test(await page.textContent('main .feedback-list')), 'the feedback is on the version');
      await visit(page, `/coach/queue?offering=${code}`);
      assert(await page.locator('main .queue-item--submission', { hasText: name }).count() === keys.length - k - 1,
        'feedback removes the row');
    }
    await checkA11y(page);

    await visit(page, '/coach');
    await tabTo(page, `main a[href="/coach/offerings/${code}/completion"]`);
    await enterAndLoad(page);
    await checkBothWidths(page, `/coach/offerings/${code}/completion`, 'round-completion');
    const personRow = page.locator('main tbody tr', { hasText: name });
    assert(await personRow.count() === 1, 'the participant is on the completion page');
    const action = await personRow.locator('form').first().getAttribute('action');
    assert(/\/completion\/\d+$/.test(action || ''), `the participant meets the rules and can be signed off (${action})`);
    await tabTo(page, `main form[action="${action}"] button`);
    await enterAndLoad(page);
    assert(/Signed off/.test(await page.textContent('.flash')), 'the page says the participant is signed off');
    const certHref = await page.locator('main tbody tr', { hasText: name }).locator('a[href^="/certificates/"]').getAttribute('href');
    assert(/^\/certificates\/JM-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/.test(certHref || ''), `a certificate is issued (${certHref})`);
    await checkBothWidths(page, certHref, 'round-certificate');
    const cert = await page.textContent('main');
    assert(cert.includes(name) && /Learning Model/i.test(cert), 'the certificate names the participant and the course');
    const number = certHref.split('/').pop();
    const res = await page.request.get(url(`/badges/assertions/${number}.json`));
    assert(res.status() === 200, `the assertion is served (${res.status()})`);
    const assertion = await res.json();
    assert(assertion.type === 'Assertion' && assertion.recipient && assertion.recipient.hashed === true &&
      /^sha256\$[0-9a-f]{64}$/.test(assertion.recipient.identity) && assertion.verification &&
      assertion.verification.type === 'hosted', 'the assertion is a hosted Open Badges 2.0 assertion with a hashed recipient');

    await visit(p, `/learn/${code}/certificate`);
    assert(await p.locator(`main a[href="${certHref}"]`).count() >= 1, 'the participant finds their certificate');
    await checkBothWidths(p, `/learn/${code}/certificate`, 'round-learn-certificate');
  } finally {
    await other.close();
  }
}, { timeoutMs: 300000 });

function parseArgs(argv) {
  const only = [];
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only' && i + 1 < argv.length) only.push(argv[++i]);
    else if (a.startsWith('--only=')) only.push(a.slice(7));
    else if (a === '--list') list = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return { only, list };
}

// The tests selected by --only: exact names first, otherwise substrings.
function select(only) {
  if (!only.length) return tests;
  return tests.filter((t) => only.some((o) => t.name === o) || only.some((o) => t.name.includes(o)));
}

// Rejects after ms with a timeout error; the timer never keeps node alive.
function timeout(ms, name) {
  return new Promise((_, reject) => {
    const id = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
    id.unref();
  });
}

// ---------------------------------------------------- cancel an offering
// Staff read what cancelling an offering does (demo-lm: its registrations
// are left alone), are told to give a reason, then cancel a finished
// offering nobody else's test uses (lm-2020-01) by keyboard and read what
// was done; axe at 1280 and 390 px on each of those pages.
test('cancel an offering: staff read the explanation, then cancel an offering', async (page) => {
  await signInStaff(page);
  await checkBothWidths(page, '/staff/offerings/demo-lm/cancel', 'staff-cancel-plan');
  assert(/what cancelling does/i.test(await page.textContent('main')), 'the explanation comes first');
  await page.click('#reason');
  await page.keyboard.press('Tab');
  await enterAndLoad(page);
  assert(/write why the offering is cancelled/i.test(await page.textContent('main')), 'a cancel without a reason is refused with a message');
  await checkA11y(page);
  await visit(page, '/staff/offerings/demo-lm');
  assert(/cancel/i.test(await page.textContent('main')), 'demo-lm is left as it was');
  await visit(page, '/staff/offerings/lm-2020-01/cancel');
  await page.fill('#reason', 'Planned in error: this week never ran.');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  assert(/what was done/i.test(await page.textContent('main')), 'the page shows what was done');
  await checkBothWidths(page, '/staff/offerings/lm-2020-01/cancel', 'staff-cancel-done');
  const ics = await page.evaluate(async () => (await fetch('/offerings/lm-2020-01.ics')).text());
  assert(/STATUS:CANCELLED/.test(ics) && /UID:offering-lm-2020-01@journeys/.test(ics), 'the feed keeps the event, cancelled');
});


// Runs one test in its own context; returns null or the failure.
// ---- panel resources and the publish history, axe at desktop and phone width ----

test('staff panel resources and publish history: by keyboard, axe at 1280 and 390', async (page) => {
  await signInStaff(page);
  await visit(page, '/staff');
  await follow(page, 'main a[href="/staff/courses"]');
  await checkPage(page, 'staff-panels');
  await follow(page, 'main a[href="/staff/courses/purpose-and-vision/panel"]');
  assert(/Panel resources/.test(await page.textContent('main')), 'the panel page opens');
  await checkPage(page, 'staff-panel');
  // the recording, entered and saved by keyboard
  await page.getByLabel('Address of the recording').fill('https://media.example.org/panels/walk.mp4');
  await page.getByLabel('Length in minutes').fill('52');
  await page.getByLabel('Length in minutes').press('Enter');
  await page.waitForURL(/done=recording/);
  assert(/The recording is saved/.test(await page.textContent('main')), 'the page says the recording is saved');
  // a handout
  await page.getByLabel('Title').fill('Public narrative worksheet');
  await page.getByLabel('Address', { exact: true }).fill('https://files.example.org/worksheet.pdf');
  await page.getByRole('button', { name: 'Add the handout' }).click();
  await page.waitForURL(/done=handout/);
  assert(/Public narrative worksheet/.test(await page.textContent('main')), 'the handout is listed');
  // The summary and transcript, written and saved by keyboard (Tab to the button, Enter)
  await page.getByLabel('Summary (Markdown)').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Heads talk through **purpose** and vision.');
  await page.keyboard.press('Tab');
  assert(await page.evaluate(() => document.activeElement.textContent.includes('Save the summary')), 'Tab reaches the summary button');
  await Promise.all([page.waitForURL(/done=summary/), page.keyboard.press('Enter')]);
  assert(/The summary is saved/.test(await page.textContent('main')), 'the page says the summary is saved');
  assert(await page.locator('main .prose strong', { hasText: 'purpose' }).count() > 0, 'the summary is shown rendered');
  await page.getByLabel('Transcript (Markdown)').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('**Host:** Welcome to the panel on purpose and vision.');
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForURL(/done=transcript/), page.keyboard.press('Enter')]);
  assert(/The transcript is saved/.test(await page.textContent('main')), 'the page says the transcript is saved');
  await checkPage(page, 'staff-panel-text');
  // an empty summary is refused with a message tied to its field, and passes axe
  await page.getByLabel('Summary (Markdown)').fill('');
  await page.getByRole('button', { name: 'Save the summary' }).click();
  await page.waitForLoadState();
  assert(/Write the summary/.test(await page.textContent('main')), 'the refusal says what to write');
  assert(await page.getByLabel('Summary (Markdown)').getAttribute('aria-invalid') === 'true', 'the summary field is marked invalid');
  await checkPage(page, 'staff-panel-text-error');
  await visit(page, '/staff/courses/purpose-and-vision/panel');
  // a bad caption file is refused with its line, and the error summary passes axe
  await page.getByLabel('WebVTT file').setInputFiles({ name: 'bad.vtt', mimeType: 'text/vtt', buffer: Buffer.from('WEBVTT\n\n00:01,000 --> 00:02.000\nx\n') });
  await page.getByRole('button', { name: 'Upload the captions' }).click();
  await page.waitForLoadState();
  assert(/bad\.vtt, line 3/.test(await page.textContent('main')), 'the refusal names the file and line');
  await checkPage(page, 'staff-panel-error');
  await visit(page, '/staff/publishes');
  assert(/Published course text/.test(await page.textContent('main')), 'the publish history opens');
  await checkPage(page, 'staff-publishes');
  await checkPhonePages(page, ['/staff/courses', '/staff/courses/purpose-and-vision/panel', '/staff/publishes']);
  await checkA11y(page);
});

// A participant's panel page with a video file, its captions track and a
// handout: clean under axe and fitting at both widths.
test('panel with captions: the participant sees the video with its track', async (page) => {
  const vtt = 'WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWelcome, everyone.\n';
  await signInStaff(page);
  await visit(page, '/staff/courses/sustainability/panel');
  await page.getByLabel('Address of the recording').fill('https://media.example.org/panels/su.mp4');
  await page.getByLabel('Length in minutes').fill('48');
  await page.getByRole('button', { name: 'Save the recording' }).click();
  await page.waitForURL(/done=recording/);
  await page.getByLabel(/WebVTT file/).setInputFiles({ name: 'su-en.vtt', mimeType: 'text/vtt', buffer: Buffer.from(vtt) });
  await page.getByRole('button', { name: 'Upload the captions' }).click();
  await page.waitForURL(/done=captions/);
  assert(/su-en\.vtt/.test(await page.textContent('main')), 'the kept captions are listed');
  const ctx = await page.context().browser().newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const p2 = await ctx.newPage();
    p2.setDefaultTimeout(15000);
    await signUpAndPay(p2, 'Tess Track', 'demo-su');
    await checkBothWidths(p2, '/learn/demo-su/panel', 'ws-panel-track');
    const track = await p2.locator('main video track[kind="captions"]').getAttribute('src');
    assert(track === '/learn/demo-su/panel/captions.vtt', 'the video carries the captions track');
    const res = await p2.request.get(url(track));
    assert(res.status() === 200 && (await res.text()) === vtt, 'the track serves the uploaded captions');
  } finally {
    await ctx.close();
  }
});


async function runOne(browser, t) {
  let context;
  try {
    context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    await Promise.race([t.fn(page, { context, name: t.name }), timeout(Math.max(TEST_TIMEOUT_MS, t.timeoutMs || 0), t.name)]);
    return null;
  } catch (err) {
    return err;
  } finally {
    if (context) await context.close().catch(() => {});
  }
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    console.log('0 passed, 1 failed');
    return 2;
  }
  if (args.list) {
    for (const t of tests) console.log(t.name);
    return 0;
  }
  const chosen = select(args.only);
  if (!chosen.length) {
    console.error(`no test matches ${args.only.join(', ')}`);
    console.log('0 passed, 1 failed');
    return 2;
  }
  if (!BASE_URL) {
    console.error('BASE_URL is not set (for example BASE_URL=http://127.0.0.1:18080)');
    console.log(`0 passed, ${chosen.length} failed`);
    return 2;
  }

  let passed = 0;
  let failed = 0;
  let browser;
  try {
    browser = await chromium.launch(LAUNCH_OPTIONS);
    for (const t of chosen) {
      const started = Date.now();
      const err = await runOne(browser, t);
      const ms = Date.now() - started;
      if (err) {
        failed++;
        console.log(`FAIL ${t.name} (${ms} ms)\n  ${String(err && err.message ? err.message : err).split('\n').join('\n  ')}`);
      } else {
        passed++;
        console.log(`ok   ${t.name} (${ms} ms)`);
      }
    }
  } catch (err) {
    console.log(`FAIL browser: ${err && err.message ? err.message : err}`);
    failed += chosen.length - passed - failed;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
