// The duty map in a real browser: the scheduled scan has reported the demo catalogue's
// gaps and overlap to 区委编办, which resolves a dispute by naming one lead department;
// another department sees no resolution controls; the public map shows the result.
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

test('区委编办 sees the gaps and overlap found by the scan and resolves a dispute', async () => {
  await withPage(browser, 'dutymap-resolve', async (page) => {
    await firstLogin(page, server, 'bianban');
    await page.goto(`${server.url}/notifications`);
    assert.match(await page.textContent('main'), /空白区:对单用途商业预付卡发卡企业的监督检查/);
    assert.match(await page.textContent('main'), /重合区:对城镇燃气经营企业的监督检查/);
    await page.goto(`${server.url}/duty-map?problem=1`);
    assert.equal((await page.textContent('#gap-count')).trim(), '2');
    assert.equal((await page.textContent('#overlap-count')).trim(), '1');

    await page.goto(`${server.url}/duty-map/issues?kind=dispute`);
    await Promise.all([page.waitForNavigation(), page.locator('#issues a').first().click()]);
    await submit(page, '#accept-form button[type=submit]');
    assert.match(await page.textContent('#issue-status'), /界定中/);
    // A resolution without a lead department is refused.
    await page.fill('#resolve-form textarea[name=note]', '界定');
    await submit(page, '#resolve-form button[type=submit]');
    assert.match(await page.textContent('.error-message'), /必须明确一个主责部门/);
    const row = (name) => page.locator('#resolve-form tr', { hasText: name });
    await row('区教育局').locator('select').selectOption('lead');
    await row('区市场监管局').locator('select').selectOption('cooperating');
    await page.fill('#resolve-form textarea[name=note]', '校外培训机构由区教育局主责,区市场监管局配合监管收费和广告行为');
    await submit(page, '#resolve-form button[type=submit]');
    assert.match(await page.textContent('#issue-status'), /已界定/);
    assert.match(await page.textContent('#issue-events'), /resolve/);
  });
});

test('another department has no resolution controls; the public map shows the division', async () => {
  await withPage(browser, 'dutymap-denied', async (page) => {
    await firstLogin(page, server, 'staff');
    await page.goto(`${server.url}/duty-map/issues`);
    await Promise.all([page.waitForNavigation(), page.locator('#issues a').first().click()]);
    assert.equal(await page.locator('#resolve-form').count(), 0);
    await page.goto(`${server.url}/public/duty-map`);
    const row = page.locator('#public-duty-map tr', { hasText: '对校外培训机构的监督检查' });
    assert.match(await row.textContent(), /区教育局/);
  });
});
