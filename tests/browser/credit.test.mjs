// Credit supervision in a real browser: the public credit query shows masked personal
// data; a repair passes 初审, 复审 and 终审 by three different people and the penalty
// leaves the public page; an objection marks the field 异议处理中 publicly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, submit, firstLogin, login, NEW_PASSWORD } from './lib.mjs';

let server;
let browser;
let repairUscc;
let repairPath;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the public credit query shows masked data only', async () => {
  await withPage(browser, 'credit-public', async (page) => {
    await firstLogin(page, server, 'credit');
    await page.goto(`${server.url}/credit/repairs`);
    await Promise.all([page.waitForNavigation(), page.locator('#repairs tbody a[href^="/credit/repairs/"]').first().click()]);
    repairPath = new URL(page.url()).pathname;
    repairUscc = (await page.locator('dl.kv a.mono').first().textContent()).trim();

    const anon = await browser.newContext();
    const p = await anon.newPage();
    await p.goto(`${server.url}/public/credit`);
    await p.fill('main input[name=q]', repairUscc);
    await submit(p);
    assert.ok(p.url().endsWith(`/public/credit/${repairUscc}`), p.url());
    const rep = (await p.textContent('#legal-rep')).trim();
    assert.match(rep, /\*/, 'the legal representative is masked');
    const text = (await p.textContent('main')).replaceAll(repairUscc, '');
    assert.doesNotMatch(text, /(?<![0-9A-Z])1\d{10}(?![0-9])/, 'no clear phone number');
    assert.doesNotMatch(text, /(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])/, 'no clear ID number');
    assert.match(await p.textContent('#public-events'), /不执行政府指导价/);
    const res = await p.goto(`${server.url}/public/credit/91120104MA05XXXXXX`);
    assert.equal(res.status(), 404);
    assert.match(await p.textContent('body'), /未查询到/);
    await anon.close();
  });
});

test('a repair passes three levels and the penalty leaves the public page', async () => {
  const review = async (user, stage) => {
    await withPage(browser, `credit-review-${stage}`, async (page) => {
      await firstLogin(page, server, user);
      await page.goto(`${server.url}${repairPath}`);
      await page.selectOption('#review-form select[name=decision]', 'pass');
      await page.fill('#review-form textarea[name=opinion]', `${stage}:材料齐全,同意`);
      await submit(page, '#review-form button[type=submit]');
      assert.match(await page.textContent('.flash'), /审核意见已记录/);
    });
  };
  await withPage(browser, 'credit-same-reviewer', async (page) => {
    await login(page, server.url, 'credit', NEW_PASSWORD);
    await page.goto(`${server.url}${repairPath}`);
    await page.fill('#review-form textarea[name=opinion]', '初审通过');
    await submit(page, '#review-form button[type=submit]');
    assert.match(await page.textContent('#repair-status'), /待复审/);
    // The same person cannot also do 复审.
    await page.fill('#review-form textarea[name=opinion]', '复审通过');
    await submit(page, '#review-form button[type=submit]');
    assert.match(await page.textContent('body'), /不同人员/);
  });
  await review('credit2', 'second');
  await review('credit3', 'final');
  await withPage(browser, 'credit-after-repair', async (page) => {
    await page.goto(`${server.url}/public/credit/${repairUscc}`);
    assert.doesNotMatch(await page.textContent('#public-events'), /不执行政府指导价/);
  });
});

test('an objection marks the field publicly', async () => {
  await withPage(browser, 'credit-objection', async (page) => {
    await login(page, server.url, 'credit', NEW_PASSWORD);
    await page.goto(`${server.url}/credit`);
    await Promise.all([page.waitForNavigation(), page.locator('#lists tbody tr', { hasText: '黑名单' }).locator('a').first().click()]);
    const uscc = new URL(page.url()).pathname.split('/').pop();
    const row = page.locator('#timeline tbody tr', { hasText: '行政处罚' }).first();
    await row.locator('details:has(.objection-form) summary').click();
    await row.locator('.objection-form select[name=field]').selectOption('title');
    await row.locator('.objection-form textarea[name=reason]').fill('处罚事项表述与决定书不一致');
    await submit(page, '#timeline tbody tr:has-text("行政处罚") .objection-form button[type=submit]');
    assert.match(await page.textContent('.flash'), /异议已登记/);
    await page.goto(`${server.url}/public/credit/${uscc}`);
    assert.match(await page.textContent('#public-events'), /异议处理中/);
  });
});
