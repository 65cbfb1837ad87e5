// The supervision catalogue in a real browser: a department claims an item and fills its
// inspection implementation list; a repeated claim is refused; another department sees
// the list read-only; 区委网信办 re-confirms an unclaimed item; rules are public.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, submit, firstLogin } from './lib.mjs';

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

let claimUrl;

test('claim an item and fill its implementation list', async () => {
  await withPage(browser, 'catalog-claim', async (page) => {
    await firstLogin(page, server, 'staff');
    await page.goto(`${server.url}/catalog`);
    const row = page.locator('#catalogue tr', { hasText: '对医疗器械经营企业的监督检查' });
    await Promise.all([page.waitForNavigation(), row.locator('button', { hasText: '认领' }).click()]);
    assert.match(await page.textContent('.flash'), /已认领/);
    claimUrl = new URL(page.url()).pathname;
    await page.fill('#implementation-form textarea[name=basis]', '《医疗器械监督管理条例》第七十条');
    await page.fill('#implementation-form textarea[name=content]', '经营条件、进货查验记录、储存条件');
    await page.fill('#implementation-form input[name=object]', '辖区医疗器械经营企业');
    await page.fill('#implementation-form input[name=body]', '区市场监管局');
    await page.fill('#implementation-form input[name=frequency]', '每年不少于1次');
    await submit(page, '#implementation-form button[type=submit]');
    assert.match(await page.textContent('.error-message'), /请填写:检查方式/);
    assert.equal(await page.inputValue('#implementation-form input[name=object]'), '辖区医疗器械经营企业');
    await page.fill('#implementation-form input[name=method]', '现场检查');
    await submit(page, '#implementation-form button[type=submit]');
    assert.match(await page.textContent('.flash'), /检查实施清单已保存/);

    // A second claim of the same item by the same department: a clear refusal.
    const form = await page.evaluate(async (csrf) => {
      const item = document.querySelector('main p a').getAttribute('href');
      const r = await fetch(`${item}/claim`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrf)}` });
      return { status: r.status, text: await r.text() };
    }, await page.getAttribute('input[name=_csrf]', 'value'));
    assert.equal(form.status, 409);
    assert.match(form.text, /不能重复认领/);
  });
});

test('another department sees the list read-only', async () => {
  await withPage(browser, 'catalog-readonly', async (page) => {
    await firstLogin(page, server, 'shangwu');
    await page.goto(`${server.url}${claimUrl}`);
    assert.equal(await page.locator('#implementation-form').count(), 0);
    assert.match(await page.textContent('#implementation-view'), /现场检查/);
  });
});

test('区委网信办 re-confirms an unclaimed item; rules are public', async () => {
  await withPage(browser, 'catalog-reconfirm', async (page) => {
    await firstLogin(page, server, 'wangxin');
    await page.goto(`${server.url}/catalog/unclaimed`);
    const row = page.locator('#unclaimed tr', { hasText: '对养老机构的监督检查' });
    await row.locator('select[name=department_id]').selectOption({ label: '区民政局' });
    await row.locator('input[name=note]').fill('养老机构属民政部门监管');
    await Promise.all([page.waitForNavigation(), row.locator('button').click()]);
    assert.match(await page.textContent('.flash'), /已处理/);
    assert.match(await page.locator('#unclaimed tr', { hasText: '对养老机构的监督检查' }).textContent(), /区民政局/);
    await page.goto(`${server.url}/public/catalog`);
    await Promise.all([page.waitForNavigation(), page.locator('a', { hasText: '第 2 版' }).first().click()]);
    assert.match(await page.textContent('#rule-body'), /第四条/);
  });
});
