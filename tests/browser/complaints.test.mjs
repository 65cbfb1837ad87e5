// Reports and complaints in a real browser: a member of the public files a report on the
// public form (with a script payload that must stay inert); it is routed to 区市场监管局,
// whose staff sees the reporter masked and opens it with "查看举报人" (audited); the grid
// centre sees it masked; roles and departments that are not granted cannot see the reporter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, submit, firstLogin } from './lib.mjs';

let server;
let browser;
let itemPath;
const NAME = '测试举报人甲';
const PHONE = '13512348765';

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a public report is filed and routed to the responsible department', async () => {
  const anon = await browser.newContext({ locale: 'zh-CN' });
  const p = await anon.newPage();
  let dialogs = 0;
  p.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });
  await p.goto(`${server.url}/public/report`);
  await p.selectOption('#public-report-form select[name=kind]', 'report');
  await p.selectOption('#public-report-form select[name=category]', 'food');
  await p.fill('#public-report-form input[name=subject_name]', '南开浏览器测试餐馆');
  await p.fill('#public-report-form input[name=reporter_name]', NAME);
  await p.fill('#public-report-form input[name=reporter_phone]', PHONE);
  // Missing content: a clear Chinese message, the typed fields kept.
  await p.evaluate(() => document.querySelector('#public-report-form textarea[name=content]').removeAttribute('required'));
  await submit(p, '#public-report-form button[type=submit]');
  assert.match(await p.textContent('#form-error'), /请填写举报\(投诉\)内容/);
  assert.equal(await p.inputValue('#public-report-form input[name=subject_name]'), '南开浏览器测试餐馆');
  await p.fill('#public-report-form textarea[name=content]', '后厨使用过期原料<script>alert("x")</script>');
  await submit(p, '#public-report-form button[type=submit]');
  const number = (await p.textContent('#filed-number')).trim();
  assert.match(number, /^\d+$/);
  await anon.close();
  itemPath = `/complaints/${number}`;

  await withPage(browser, 'complaints-routed', async (page) => {
    page.on('dialog', async (d) => { dialogs += 1; await d.dismiss(); });
    await firstLogin(page, server, 'staff');
    await page.goto(`${server.url}/complaints`);
    assert.match(await page.textContent('#complaints'), /南开浏览器测试餐馆/);
    await page.goto(`${server.url}${itemPath}`);
    assert.match(await page.textContent('#department'), /区市场监管局/);
    assert.match(await page.textContent('#reporter'), /测试\*+ 135\*\*\*\*8765/);
    assert.doesNotMatch(await page.content(), new RegExp(PHONE));
    assert.match(await page.textContent('#content'), /<script>alert\("x"\)<\/script>/, 'shown as text');
    await submit(page, '#reveal-form button[type=submit]');
    assert.match(await page.textContent('#reporter'), new RegExp(`${NAME} ${PHONE}`));
    await submit(page, '#ack-form button[type=submit]');
    assert.match(await page.textContent('#status'), /已签收/);
  });
  assert.equal(dialogs, 0, 'the script payload never ran');
});

test('an unauthorised role cannot see the reporter', async () => {
  await withPage(browser, 'complaints-denied', async (page) => {
    // Another department: the item does not exist for it.
    await firstLogin(page, server, 'shangwu');
    const resp = await page.goto(`${server.url}${itemPath}`);
    assert.equal(resp.status(), 404);
    assert.doesNotMatch(await page.content(), new RegExp(NAME));
  });
  await withPage(browser, 'complaints-ledger', async (page) => {
    // The ledger office sees the item masked, without the reveal action.
    await firstLogin(page, server, 'ledger');
    await page.goto(`${server.url}${itemPath}`);
    assert.match(await page.textContent('#reporter'), /测试\*+ 135\*\*\*\*8765/);
    assert.equal(await page.locator('#reveal-form').count(), 0);
    assert.doesNotMatch(await page.content(), new RegExp(`${NAME}|${PHONE}`));
    const csrf = await page.evaluate(() => document.querySelector('input[name=_csrf]')?.value || '');
    const r = await page.request.post(`${server.url}${itemPath}/reveal`, { form: { _csrf: csrf } });
    assert.equal(r.status(), 403);
  });
  await withPage(browser, 'complaints-inspector', async (page) => {
    await firstLogin(page, server, 'inspector');
    const resp = await page.goto(`${server.url}${itemPath}`);
    assert.equal(resp.status(), 403);
  });
});
