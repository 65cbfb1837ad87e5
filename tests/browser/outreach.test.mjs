// Policy publicity, enterprise liaisons and training in a real browser: the public
// search (two- and one-character queries), the editorial flow with a script payload
// that must stay inert, a liaison registered by an entity with a one-time code, and a
// knowledge-contest test answered once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, login, submit, firstLogin, NEW_PASSWORD } from './lib.mjs';

let server;
let browser;
const changed = new Set();

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, username) {
  if (changed.has(username)) {
    await login(page, server.url, username, NEW_PASSWORD);
  } else {
    await firstLogin(page, server, username);
    changed.add(username);
  }
  assert.ok(page.url().endsWith('/home'), page.url());
}

/** Fails the test if any script ever runs a dialog. */
function noDialogs(page) {
  page.on('dialog', async (d) => {
    await d.dismiss();
    throw new Error(`a script ran: ${d.message()}`);
  });
}

test('public search from the portal finds demo content with two- and one-character queries', async () => {
  await withPage(browser, 'public-search', async (page) => {
    await page.goto(`${server.url}/`);
    await page.fill('main form[role=search] input[name=q]', '信用');
    await submit(page, 'main form[role=search] button[type=submit]');
    assert.match(await page.textContent('#result-count'), /共找到 \d+ 条结果/);
    assert.match(await page.textContent('.search-results'), /信用修复的条件和流程/);
    await page.goto(`${server.url}/public/search?q=${encodeURIComponent('协')}`);
    assert.match(await page.textContent('.search-results'), /餐饮行业协会|自律公约/);
    await page.click('.search-results a >> nth=0');
    await page.waitForLoadState('load');
    assert.ok(!page.url().includes('/public/search'), page.url());
    const api = await page.evaluate(async () => (await fetch('/api/v1/public/search?q=%E4%BF%AE%E5%A4%8D')).json());
    assert.ok(api.total >= 1);
    assert.ok(['title', 'section', 'date', 'url'].every((k) => k in api.results[0]));
  });
});

test('draft with a script payload, four-eyes review, publication without running the script', async () => {
  await withPage(browser, 'publicity-flow', async (page) => {
    noDialogs(page);
    await signIn(page, 'staff');
    await page.goto(`${server.url}/publicity`);
    await page.selectOption('select[name=section]', 'violation_case');
    await page.fill('input[name=title]', '典型案件曝光:浏览器测试案件');
    await page.fill('textarea[name=body_html]', '<p>案情<strong>要点</strong></p><script>alert("xss")</script><img src=x onerror="alert(1)">');
    await submit(page);
    assert.match(await page.textContent('.flash'), /草稿已保存/);
    assert.equal(await page.locator('#preview script').count(), 0);
    assert.equal(await page.locator('#preview img').count(), 0);
    await submit(page, '#submit-review');
    assert.match(await page.textContent('#status'), /待审核/);
    const articleUrl = page.url().split('?')[0];

    await page.context().clearCookies();
    await signIn(page, 'legal');
    await page.goto(`${server.url}/publicity`);
    await page.click('#review-queue a:has-text("浏览器测试案件")');
    await page.waitForLoadState('load');
    await submit(page, '#approve');
    assert.match(await page.textContent('#status'), /已发布/);

    const id = articleUrl.split('/').pop();
    await page.goto(`${server.url}/public/articles/${id}`);
    assert.match(await page.textContent('article'), /案情要点/);
    assert.equal(await page.locator('article script').count(), 0);
    await page.goto(`${server.url}/public/search?q=${encodeURIComponent('测试')}`);
    assert.match(await page.textContent('.search-results'), /浏览器测试案件/);
  });
});

test('an entity registers its liaison with a one-time code; the directory is masked and protected', async () => {
  let code;
  let uscc;
  await withPage(browser, 'liaison-code', async (page) => {
    await signIn(page, 'staff');
    await page.goto(`${server.url}/liaisons`);
    uscc = (await page.textContent('#liaisons tbody tr:first-child td.mono')).trim();
    await page.fill('input[name=uscc]', uscc);
    await submit(page, 'form[action="/liaisons/codes"] button');
    code = (await page.textContent('#codes td.secret')).trim();
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  });
  await withPage(browser, 'liaison-register', async (page) => {
    await page.goto(`${server.url}/liaison/register`);
    await page.fill('input[name=code]', code);
    await page.fill('input[name=name]', '孙志强');
    await page.fill('input[name=phone]', '13698765432');
    await page.fill('input[name=position]', '安全主管');
    await submit(page);
    assert.match(await page.textContent('#done'), /孙\*.*136\*\*\*\*5432/);
    assert.ok(!(await page.content()).includes('13698765432'));
    // The same code again: refused with a clear message.
    await page.goto(`${server.url}/liaison/register`);
    await page.fill('input[name=code]', code);
    await page.fill('input[name=name]', '孙志强');
    await page.fill('input[name=phone]', '13698765432');
    await submit(page);
    assert.match(await page.textContent('.error-message'), /申请码无效、已使用或已过期/);
    // Not signed in: the directory is not reachable.
    await page.goto(`${server.url}/liaisons`);
    assert.ok(page.url().includes('/login'), page.url());
  });
  await withPage(browser, 'liaison-directory', async (page) => {
    await signIn(page, 'staff');
    await page.goto(`${server.url}/liaisons`);
    const table = await page.textContent('#liaisons');
    assert.match(table, /孙\*/);
    assert.ok(!table.includes('13698765432'));
  });
});

test('an inspector answers the district contest once and sees the score on the training record', async () => {
  await withPage(browser, 'training-contest', async (page) => {
    await signIn(page, 'inspector');
    await page.goto(`${server.url}/training`);
    await page.click('#sessions a:has-text("知识竞赛")');
    await page.waitForLoadState('load');
    await page.click('#tests a');
    await page.waitForLoadState('load');
    const sets = await page.locator('#answer-sheet fieldset').count();
    assert.ok(sets >= 3);
    for (let i = 0; i < sets; i++) await page.check(`#answer-sheet input[name=q${i}] >> nth=0`);
    await submit(page, '#answer-sheet button[type=submit]');
    assert.match(await page.textContent('#my-result'), /分.*每人只能作答一次/s);
    assert.equal(await page.locator('#answer-sheet').count(), 0, 'no second answer sheet');
    await page.goto(`${server.url}/home`);
    await page.click('a:has-text("我的培训记录")');
    await page.waitForLoadState('load');
    assert.match(await page.textContent('#record-results'), /知识竞赛初赛/);
    assert.match(await page.textContent('#record-sessions'), /双随机/);
  });
});
