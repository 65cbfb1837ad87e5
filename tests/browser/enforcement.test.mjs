// Enforcement in a real browser on the demo store: an out-of-band penalty needs a written
// reason and a second approval by someone other than the handler; a major decision is
// blocked until 区司法局's legal reviewer approves; the public publicity page shows the
// published decision.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, submit, firstLogin, login, NEW_PASSWORD } from './lib.mjs';

let server;
let browser;
let uscc;
let majorUrl;
const seen = new Set();

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, user) {
  if (seen.has(user)) {
    await login(page, server.url, user, NEW_PASSWORD);
  } else {
    await firstLogin(page, server, user);
    seen.add(user);
  }
}

async function fillPenalty(page, { action, no, circumstance, kinds, fine, reason }) {
  const f = '#penalty-form';
  await page.fill(`${f} input[name=uscc]`, uscc);
  await page.fill(`${f} input[name=item_code]`, 'SCJG-SP-001');
  await page.fill(`${f} input[name=action_no]`, action);
  await page.fill(`${f} input[name=subject_name]`, '演示食品经营者');
  await page.fill(`${f} textarea[name=officers]`, '王建国 12010401001\n李春华 12010401002');
  await page.selectOption(`${f} select[name=violation_code]`, 'FOOD-001');
  await page.selectOption(`${f} select[name=circumstance]`, circumstance);
  await page.fill(`${f} textarea[name=facts]`, '销售超过保质期的食品');
  await page.fill(`${f} textarea[name=legal_basis]`, '《中华人民共和国食品安全法》第一百二十四条');
  for (const k of kinds) await page.check(`${f} input[name=kinds][value=${k}]`);
  await page.fill(`${f} input[name=fine_yuan]`, fine);
  await page.fill(`${f} input[name=decision_no]`, no);
  await page.fill(`${f} textarea[name=band_reason]`, reason);
  await submit(page, `${f} button[type=submit]`);
}

test('an out-of-band penalty needs a written reason and a second approval', async () => {
  await withPage(browser, 'enforcement-band', async (page) => {
    await page.goto(`${server.url}/public/enforcement`);
    uscc = (await page.locator('#public-penalties td.mono').first().textContent()).trim();
    await signIn(page, 'inspector');
    await page.goto(`${server.url}/enforcement`);
    const penalty = { action: 'AJ-BR-1', no: '津南市监罚〔2026〕901号', circumstance: 'general', kinds: ['fine'], fine: '45000', reason: '' };
    await fillPenalty(page, penalty);
    assert.match(await page.textContent('.error-message'), /超出裁量基准.*须填写书面理由/);
    await fillPenalty(page, { ...penalty, reason: '一年内第三次违法,拟从重处罚' });
    assert.match(page.url(), /\/enforcement\/cases\/\d+/);
    const caseUrl = new URL(page.url()).pathname;
    assert.match(await page.textContent('#case-status'), /待超幅审批/);
    assert.match(await page.textContent('#decide-blocker'), /须经承办人以外的人员审批/);
    assert.equal(await page.locator('#band-form').count(), 0, 'the handler cannot approve his own case');
    await submit(page, '#decide-form button[type=submit]');
    assert.match(await page.textContent('.error-message'), /须经承办人以外的人员审批/);

    const other = await browser.newContext({ locale: 'zh-CN' });
    const p2 = await other.newPage();
    await signIn(p2, 'staff');
    await p2.goto(`${server.url}${caseUrl}`);
    await p2.fill('#band-form textarea[name=opinion]', '理由充分,同意超出幅度处罚');
    await submit(p2, '#band-form button[type=submit]');
    assert.match(await p2.textContent('#band-status'), /已由 staff 审批/);
    await other.close();

    await page.goto(`${server.url}${caseUrl}`);
    await submit(page, '#decide-form button[type=submit]');
    assert.match(await page.textContent('#case-status'), /已决定,待公示/);
  });
});

test('a major decision is blocked until reviewed by 区司法局', async () => {
  await withPage(browser, 'enforcement-major', async (page) => {
    await signIn(page, 'inspector');
    await page.goto(`${server.url}/enforcement`);
    await fillPenalty(page, { action: 'AJ-BR-2', no: '津南市监罚〔2026〕902号', circumstance: 'severe', kinds: ['fine', 'revoke_licence'], fine: '120000', reason: '' });
    majorUrl = new URL(page.url()).pathname;
    assert.match(await page.textContent('#major'), /是:罚没金额/);
    assert.match(await page.textContent('#decide-blocker'), /未经法制审核通过/);
    await submit(page, '#decide-form button[type=submit]');
    assert.match(await page.textContent('.error-message'), /重大执法决定未经法制审核通过,不能作出决定/);

    const rc = await browser.newContext({ locale: 'zh-CN' });
    const rp = await rc.newPage();
    await signIn(rp, 'legal');
    await rp.goto(`${server.url}/enforcement/reviews`);
    await Promise.all([rp.waitForNavigation(), rp.locator('#review-queue a', { hasText: '902号' }).click()]);
    await rp.fill('#review-form textarea[name=opinion]', '事实清楚,证据确凿,程序合法,同意');
    await rp.selectOption('#review-form select[name=decision]', 'approve');
    await submit(rp, '#review-form button[type=submit]');
    assert.match(await rp.textContent('#review-section'), /同意/);
    await rc.close();

    await page.goto(`${server.url}${majorUrl}`);
    await submit(page, '#decide-form button[type=submit]');
    assert.match(await page.textContent('#case-status'), /已决定,待公示/);
  });
});

test('the publicity page shows a published decision', async () => {
  await withPage(browser, 'enforcement-publicity', async (page) => {
    await signIn(page, 'inspector');
    await page.goto(`${server.url}${majorUrl}`);
    await submit(page, '#publish-form button[type=submit]');
    assert.match(await page.textContent('#case-status'), /公示中/);
    const anon = await browser.newContext({ locale: 'zh-CN' });
    const p = await anon.newPage();
    await p.goto(`${server.url}/public/enforcement`);
    const table = await p.textContent('#public-penalties');
    assert.match(table, /津南市监罚〔2026〕902号/);
    assert.match(table, /罚款、吊销许可证件/);
    assert.doesNotMatch(table, /王建国/, 'officers are not public');
    await anon.close();
  });
});
