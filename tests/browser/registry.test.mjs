// The entity registry and the approval handoff in a real browser: search an entity (the
// legal representative masked), import a file with errors and read the error report, a
// licence pushed through the API received by its department, and the public reception
// page showing it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, withPage, login, submit, firstLogin, NEW_PASSWORD, BIN } from './lib.mjs';

let server;
let browser;
let demoRows; // [{ uscc, name, ... }] of a small demo file written by `jianguan demo entities`

before(async () => {
  server = await startServer();
  browser = await launch();
  const file = join(server.dataDir, 'demo-small.csv');
  execFileSync(BIN, ['demo', 'entities', '--count', '40', '--seed', '20211008', '--out', file], { stdio: 'ignore' });
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  // Keep rows without quoted cells whose code passes the check (a few demo codes are legacy).
  const rows = lines.slice(1).filter((l) => !l.includes('"')).map((l) => {
    const c = l.split(',');
    return { line: l, uscc: c[0], name: c[1], legalRep: c[3] };
  });
  let checked = '';
  try {
    checked = execFileSync(BIN, ['uscc', 'check'], { input: rows.map((r) => r.uscc).join('\n') }).toString();
  } catch (e) {
    checked = e.stdout.toString(); // exit 1 when any code is invalid
  }
  const valid = new Set(checked.split('\n').filter((l) => l.endsWith('\tvalid')).map((l) => l.split('\t')[0]));
  demoRows = rows.filter((r) => valid.has(r.uscc));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Logs in as the demo department staff of 区市场监管局 (first time: changes the password). */
async function staffLogin(page) {
  if (!server.staffReady) {
    await firstLogin(page, server, 'staff');
    server.staffReady = true;
  } else {
    await login(page, server.url, 'staff', NEW_PASSWORD);
  }
  assert.ok(page.url().endsWith('/home'), page.url());
}

test('search the registry by name; the legal representative is masked', async () => {
  await withPage(browser, 'registry-search', async (page) => {
    await staffLogin(page);
    await page.click('nav a:has-text("名录库")');
    assert.match(await page.textContent('h1'), /检查对象名录库/);
    assert.match(await page.textContent('main'), /共收录市场主体 10000 户/);
    // Pick a listed entity, then find it again by a part of its name.
    await page.selectOption('select[name=status]', '存续');
    await submit(page, 'form[role=search] button[type=submit]');
    const name = (await page.textContent('#entities tbody tr:first-child td:nth-child(2)')).trim();
    const uscc = (await page.textContent('#entities tbody tr:first-child td:nth-child(1) a')).trim();
    const part = [...name].slice(-6, -2).join('');
    await page.goto(`${server.url}/registry/entities`);
    await page.fill('input[name=q]', part);
    await submit(page, 'form[role=search] button[type=submit]');
    assert.match(await page.textContent('#result-count'), /共 \d+ 户/);
    await Promise.all([page.waitForNavigation(), page.click(`#entities a:has-text("${uscc}")`)]);
    assert.equal((await page.textContent('h1')).trim(), name);
    assert.match(await page.textContent('#legal-rep'), /\*.*已脱敏/);
  });
});

test('import a file with errors, read the errors on the page and in the downloaded report', async () => {
  await withPage(browser, 'registry-import', async (page) => {
    const [a, b, c] = demoRows;
    const badCode = a.line.replace(a.uscc, a.uscc.slice(0, 17));
    const badStatus = c.line.replace(/,(存续|在业|注销|吊销|迁出),/, ',营业中,');
    const text = ['统一社会信用代码,名称,主体类型,法定代表人,住所,行政区划,行业代码,行业名称,成立日期,登记状态,标签',
      b.line, badCode, badStatus, b.line].join('\r\n');
    const file = join(server.dataDir, '名录-含错误.csv');
    writeFileSync(file, text);

    await staffLogin(page);
    await page.goto(`${server.url}/registry/imports`);
    await page.setInputFiles('input[name=file]', file);
    await submit(page, '#import-form button[type=submit]');
    assert.match(page.url(), /\/registry\/imports\/\d+$/);
    // The page refreshes itself while the import runs.
    await page.waitForFunction(() => /导入完成/.test(document.querySelector('#import-status')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.equal((await page.textContent('#count-imported')).trim(), '1');
    assert.equal((await page.textContent('#count-rejected')).trim(), '2');
    assert.equal((await page.textContent('#count-duplicate')).trim(), '1', 'the repeated row changes nothing');
    assert.match((await page.textContent('#import-summary')).trim(), /^total=4 imported=1 updated=0 rejected=2 duplicate=1$/);
    const rows = await page.$$eval('#rejections tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(rows.length, 2);
    assert.match(rows[0], /统一社会信用代码应为18位/);
    assert.match(rows[1], /登记状态“营业中”无法识别/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#rejections-link')]);
    const report = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    assert.match(report.split('\n')[0], /^行号,统一社会信用代码,名称,原因/);
    assert.match(report, /^3,/m);
    assert.match(report, /^4,/m);
  });
});

test('a licence pushed through the API is received by its department and published', async () => {
  let key;
  await withPage(browser, 'registry-api-key', async (page) => {
    await firstLogin(page, server, 'secadmin');
    await page.goto(`${server.url}/admin/api-keys`);
    await page.fill('input[name=name]', '区政务服务办审批系统');
    await page.selectOption('select[name=department_id]', { label: '区政务服务办' });
    await page.check('input[name=scope][value="licences:write"]');
    await submit(page, 'form[action="/admin/api-keys"] button[type=submit]');
    key = (await page.textContent('#new-api-key')).trim();
  });
  const entity = demoRows[5];
  const body = {
    record_kind: 'licence', licence_no: 'JY21201040099999', item_code: 'NK-XK-001', uscc: entity.uscc,
    entity_name: entity.name, decided_on: new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10),
    scope: '预包装食品销售(含冷藏冷冻食品)',
  };
  const push = () => fetch(`${server.url}/api/v1/licences`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'browser-1' },
    body: JSON.stringify(body),
  });
  const res = await push();
  assert.equal(res.status, 201, await res.clone().text());
  const licence = await res.json();
  assert.match(licence.notice, /事中事后监管部门为区市场监管局/);
  const again = await push();
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal((await again.json()).id, licence.id);

  await withPage(browser, 'registry-receive', async (page) => {
    await staffLogin(page);
    await page.goto(`${server.url}/registry/licences?pending=1`);
    await Promise.all([page.waitForNavigation(), page.click('#licences a:has-text("食品经营许可") >> nth=0')]);
    await page.goto(`${server.url}/registry/licences/${licence.id}`);
    assert.match(await page.textContent('#applicant-notice'), /区市场监管局/);
    assert.match(await page.textContent('#routes'), /待接收/);
    await submit(page, '#receive');
    assert.match(await page.textContent('.flash'), /已接收/);
    assert.match(await page.textContent('#routes'), /按时接收/);
    assert.equal(await page.$('#receive'), null);
  });

  await withPage(browser, 'registry-public-reception', async (page) => {
    await page.goto(`${server.url}/`);
    await Promise.all([page.waitForNavigation(), page.click('a[href="/public/reception"]')]);
    assert.match(await page.textContent('h1'), /监管接收情况/);
    const row = await page.textContent('#reception tr:has-text("区市场监管局")');
    assert.match(row, /区市场监管局/);
    assert.match(await page.textContent('#recent'), new RegExp(entity.name.replace(/[()()]/g, '.')));
    // No legal representative appears on the public page.
    assert.ok(!(await page.textContent('main')).includes(entity.legalRep));
  });
});
