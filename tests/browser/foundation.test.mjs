// Foundation in a real browser: log in, forced password change, lockout after five
// failures, logout, an administrator's second factor, and the phone-width layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, login, submit, firstLogin, NEW_PASSWORD } from './lib.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('log in with the one-time password, forced to change it, then the dashboard', async () => {
  await withPage(browser, 'first-login', async (page) => {
    await page.goto(`${server.url}/login`);
    assert.match(await page.textContent('h1'), /登录/);
    await login(page, server.url, 'staff', server.passwords.staff);
    assert.ok(page.url().endsWith('/account/password'), page.url());
    assert.match(await page.textContent('.notice'), /首次登录/);
    // A weak password is refused with a Chinese reason.
    await page.fill('input[name=current]', server.passwords.staff);
    await page.fill('input[name=new_password]', 'weak');
    await page.fill('input[name=confirm]', 'weak');
    await submit(page);
    assert.match(await page.textContent('.error-message'), /密码至少 8 位/);
    await page.fill('input[name=current]', server.passwords.staff);
    await page.fill('input[name=new_password]', NEW_PASSWORD);
    await page.fill('input[name=confirm]', NEW_PASSWORD);
    await submit(page);
    assert.ok(page.url().endsWith('/home'), page.url());
    assert.match(await page.textContent('main'), /工作台/);
    assert.match(await page.textContent('main'), /区市场监管局/);
  });
});

test('five wrong passwords lock the account; the right one is refused while locked', async () => {
  await withPage(browser, 'lockout', async (page) => {
    for (let i = 1; i <= 4; i++) {
      await login(page, server.url, 'legal', 'Wrong-password-1');
      assert.match(await page.textContent('.error-message'), new RegExp(`再错 ${5 - i} 次`));
    }
    await login(page, server.url, 'legal', 'Wrong-password-1');
    assert.match(await page.textContent('.error-message'), /账号已锁定/);
    await login(page, server.url, 'legal', server.passwords.legal);
    assert.match(await page.textContent('.error-message'), /账号已锁定/);
    assert.ok(page.url().endsWith('/login'));
  });
});

test('logout ends the session', async () => {
  await withPage(browser, 'logout', async (page) => {
    await login(page, server.url, 'staff', NEW_PASSWORD);
    assert.ok(page.url().endsWith('/home'));
    await submit(page, 'header button:has-text("退出")');
    assert.ok(page.url().endsWith('/login'), page.url());
    await page.goto(`${server.url}/home`);
    assert.ok(page.url().includes('/login?next='), page.url());
  });
});

test('an administrator must enrol a second factor, then reaches only their own powers', async () => {
  await withPage(browser, 'admin-totp', async (page) => {
    await firstLogin(page, server, 'sysadmin');
    assert.ok(page.url().endsWith('/home'), page.url());
    await page.goto(`${server.url}/admin/accounts`);
    assert.match(await page.textContent('h1'), /账号管理/);
    const resp = await page.goto(`${server.url}/audit`);
    assert.equal(resp.status(), 403);
    assert.match(await page.textContent('main'), /无权访问此功能/);
  });
});

test('usable at phone width: no horizontal scrolling on the login page and dashboard', async () => {
  await withPage(browser, 'phone', async (page) => {
    for (const path of ['/login', '/']) {
      await page.goto(`${server.url}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `${path} overflows by ${overflow}px`);
    }
    await login(page, server.url, 'staff', NEW_PASSWORD);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `home overflows by ${overflow}px`);
  }, { width: 390, height: 844 });
});
