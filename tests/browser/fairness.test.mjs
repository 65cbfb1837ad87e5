// Fair-competition review in a real browser: a department registers a draft with its
// document and fills the national checklist; 区市场监管局 gives the joint-review opinion
// on a major measure; another department cannot open the draft; clean-up results are public.
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

test('register a draft with its document, review it against the checklist', async () => {
  await withPage(browser, 'fairness-review', async (page) => {
    await firstLogin(page, server, 'shangwu');
    await page.goto(`${server.url}/fairness`);
    assert.match(await page.textContent('h1'), /公平竞争审查/);
    await page.fill('#register-draft input[name=title]', '南开区老字号振兴扶持办法');
    await page.selectOption('#register-draft select[name=kind]', 'normative');
    await page.fill('#register-draft textarea[name=summary]', '对认定的老字号企业给予品牌推广补贴。');
    // A forbidden type is refused with a clear message, nothing registered.
    await page.setInputFiles('#register-draft input[name=file]', { name: '办法.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\x90\x00') });
    await submit(page, '#register-draft button[type=submit]');
    assert.match(await page.textContent('.error-message'), /类型不允许上传/);
    await page.fill('#register-draft input[name=title]', '南开区老字号振兴扶持办法');
    await page.fill('#register-draft textarea[name=summary]', '对认定的老字号企业给予品牌推广补贴。');
    await page.setInputFiles('#register-draft input[name=file]', { name: '办法.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%%EOF\n') });
    await submit(page, '#register-draft button[type=submit]');
    assert.match(await page.textContent('.flash'), /已登记/);
    assert.match(await page.textContent('main'), /办法\.pdf/);

    // Every standard answered; one violation without a note is refused first.
    for (const r of await page.$$('#review-form input[type=radio][value=not_involved]')) await r.check();
    await page.check('#review-form input[name=f_A3][value=violates]');
    await page.selectOption('#review-form select[name=conclusion]', 'adjust');
    await page.fill('#review-form textarea[name=reasoning]', '删除限定条款后出台');
    await submit(page, '#review-form button[type=submit]');
    assert.match(await page.textContent('.error-message'), /须写明具体条款和理由/);
    assert.ok(await page.isChecked('#review-form input[name=f_A3][value=violates]'), 'the selection is kept');
    await page.fill('#review-form input[name=n_A3]', '第四条限定在指定商场开设专柜');
    await submit(page, '#review-form button[type=submit]');
    assert.match(await page.textContent('#draft-status'), /审查完成/);
    assert.match(await page.textContent('#final-conclusion'), /调整至符合要求后出台/);
  });
});

test('区市场监管局 gives the joint-review opinion; another department cannot see the draft', async () => {
  await withPage(browser, 'fairness-joint', async (page) => {
    await firstLogin(page, server, 'staff');
    await page.goto(`${server.url}/fairness`);
    const link = page.locator('a', { hasText: '南开区支持总部经济发展的实施办法(草案)' }).first();
    const href = await link.getAttribute('href');
    await Promise.all([page.waitForNavigation(), link.click()]);
    await page.selectOption('#opinion-form select[name=result]', 'agree_with_changes');
    await page.fill('#opinion-form textarea[name=opinion]', '删除第八条后出台');
    await submit(page, '#opinion-form button[type=submit]');
    assert.match(await page.textContent('.flash'), /会审意见已送达/);
    assert.match(await page.textContent('#draft-status'), /审查完成/);

    const other = await browser.newContext();
    const p2 = await other.newPage();
    await firstLogin(p2, server, 'bianban');
    const resp = await p2.goto(`${server.url}${href}`);
    assert.equal(resp.status(), 404);
    await other.close();
  });
});

test('clean-up results are public', async () => {
  await withPage(browser, 'fairness-public', async (page) => {
    await page.goto(`${server.url}/public/fairness`);
    assert.match(await page.textContent('#public-cleanup'), /南开区校外培训机构教材采购管理办法/);
    assert.match(await page.textContent('#public-cleanup'), /废止/);
  });
});
