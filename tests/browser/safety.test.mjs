// Safety-risk self-reports in a real browser: 区应急管理局 issues a code, the entity reports
// a major gas risk on the public site, the report reaches the routed departments with a
// red warning, is signed and closed; an unrouted department cannot open it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, submit, firstLogin } from './lib.mjs';

let server;
let browser;
let uscc;
let code;
let reportUrl;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('区应急管理局 issues a code; the entity reports a major risk', async () => {
  await withPage(browser, 'safety-report', async (page) => {
    await firstLogin(page, server, 'yingji');
    await page.goto(`${server.url}/public/declarations`);
    await Promise.all([page.waitForNavigation(), page.locator('#public-declarations a').first().click()]);
    uscc = (await page.locator('dd.mono').first().textContent()).trim();
    await page.goto(`${server.url}/safety`);
    await page.fill('#safety-code-form input[name=uscc]', uscc);
    await submit(page, '#safety-code-form button[type=submit]');
    code = (await page.textContent('#application-code')).trim();

    const anon = await browser.newContext();
    const p = await anon.newPage();
    await p.goto(`${server.url}/public/safety-report`);
    await p.fill('#public-safety-form input[name=uscc]', uscc);
    await p.fill('#public-safety-form input[name=code]', code);
    await p.selectOption('#public-safety-form select[name=category]', 'hazchem');
    await p.selectOption('#public-safety-form select[name=level]', 'major');
    await p.fill('#public-safety-form input[name=location]', '危化品仓库');
    await p.fill('#public-safety-form textarea[name=description]', '仓库通风设施损坏');
    await p.fill('#public-safety-form textarea[name=measures]', '');
    await p.fill('#public-safety-form input[name=contact_name]', '孙立');
    await p.fill('#public-safety-form input[name=contact_phone]', '13700001111');
    await p.evaluate(() => document.querySelector('#public-safety-form textarea[name=measures]').removeAttribute('required'));
    await submit(p, '#public-safety-form button[type=submit]');
    assert.match(await p.textContent('.error-message'), /管控措施不能为空/);
    await p.fill('#public-safety-form input[name=code]', code);
    await p.fill('#public-safety-form textarea[name=measures]', '已停用仓库并设置警戒');
    await submit(p, '#public-safety-form button[type=submit]');
    assert.match(await p.textContent('#submitted'), /报告已提交/);
    await anon.close();

    await page.goto(`${server.url}/safety`);
    assert.match(await page.textContent('#open-warnings'), /红色预警/);
    await Promise.all([page.waitForNavigation(), page.locator('#safety-reports a', { hasText: '' }).first().click()]);
    reportUrl = new URL(page.url()).pathname;
    assert.match(await page.textContent('#contact'), /孙立 13700001111/);
    await page.fill('#ack-form textarea[name=note]', '已派员现场核查');
    await submit(page, '#ack-form button[type=submit]');
    await page.fill('#close-form textarea[name=note]', '通风设施已修复,复查合格');
    await submit(page, '#close-form button[type=submit]');
    assert.match(await page.textContent('#report-status'), /已销号/);
  });
});

test('a department the report was not routed to cannot open it', async () => {
  await withPage(browser, 'safety-denied', async (page) => {
    await firstLogin(page, server, 'shangwu');
    const resp = await page.goto(`${server.url}${reportUrl}`);
    assert.equal(resp.status(), 404);
    // 区商务局 is in the safety group, but hazardous chemicals are not its category.
    await page.goto(`${server.url}/safety`);
    assert.doesNotMatch(await page.textContent('#safety-reports'), /危化品仓库/);
  });
});
