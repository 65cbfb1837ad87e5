// Responsibility ledgers in a real browser: the office filters 附件1 by overdue; a
// department reports progress with an evidence file; the lead unit returns the report;
// the export downloads a valid xlsx (the server reads it back as unchanged 附件1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, withPage, login, firstLogin, NEW_PASSWORD } from './lib.mjs';

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

const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function openAnnex1(page) {
  await page.goto(`${server.url}/ledger`);
  await Promise.all([
    page.waitForLoadState('load'),
    page.locator('table.data a', { hasText: '工作责任台账' }).first().click(),
  ]);
  assert.match(await page.textContent('h1'), /工作责任台账/);
}

/** The row of 附件1 第{label}项 in a department's task list. */
function myRow(page, label) {
  return page
    .locator('#my-tasks tbody tr')
    .filter({ has: page.locator('td:nth-child(1)', { hasText: /^附件1$/ }) })
    .filter({ has: page.locator('td:nth-child(2) a', { hasText: new RegExp(`^${label}$`) }) });
}

test('the ledger office filters 附件1 by overdue', async () => {
  await withPage(browser, 'ledger-filter-overdue', async (page) => {
    await firstLogin(page, server, 'ledger');
    await openAnnex1(page);
    const rows = page.locator('#ledger-sheet tbody tr[id^="task-"]');
    assert.equal(await rows.count(), 37);
    await page.selectOption('#filters select[name=status]', 'overdue');
    await Promise.all([page.waitForLoadState('load'), page.click('#filters button[type=submit]')]);
    assert.ok(page.url().includes('status=overdue'), page.url());
    assert.equal(await rows.count(), 3, 'the three 2021 deadlines (第3、5、14项) have passed');
    for (const status of await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.status))) {
      assert.equal(status, 'overdue');
    }
    const labels = await page.locator('#ledger-sheet tbody tr td.seq a').allTextContents();
    assert.deepEqual(labels.map((s) => s.trim()), ['3', '5', '14']);
    assert.match(await page.textContent('#status-chips'), /逾期 3/);
  });
});

test('a department reports progress with an evidence file', async () => {
  await withPage(browser, 'ledger-report', async (page) => {
    await firstLogin(page, server, 'staff');
    await page.goto(`${server.url}/ledger/my`);
    assert.match(await page.textContent('h1'), /区市场监管局/);
    await Promise.all([page.waitForLoadState('load'), myRow(page, '3').locator('a:has-text("报送进展")').click()]);
    assert.match(await page.textContent('h1'), /第3项 · 区市场监管局/);
    await page.fill('textarea[name=progress]', '已梳理本局行政许可事项 12 项,报区政务服务办汇总。');
    await page.fill('textarea[name=problems]', '部分事项需市级部门确认口径。');
    await page.setInputFiles('input[name=evidence]', { name: '许可事项清单.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([page.waitForLoadState('load'), page.click('#report-form button[type=submit]')]);
    assert.match(await page.textContent('.flash'), /进展报告已报送/);
    assert.equal((await page.textContent('.files a')).trim(), '许可事项清单.pdf');
    // The evidence downloads as stored.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.files a')]);
    const path = join(mkdtempSync(join(tmpdir(), 'jianguan-evidence-')), 'e.pdf');
    await download.saveAs(path);
    assert.deepEqual(readFileSync(path), PDF);
  });
});

test('the lead unit returns the report for revision', async () => {
  await withPage(browser, 'ledger-return', async (page) => {
    await firstLogin(page, server, 'staff2');
    await page.goto(`${server.url}/ledger/my`);
    await Promise.all([page.waitForLoadState('load'), myRow(page, '3').locator('td:nth-child(2) a').click()]);
    assert.match(await page.textContent('h1'), /第3项/);
    const report = page.locator('article.report', { hasText: '区市场监管局' });
    assert.match(await report.textContent(), /已梳理本局行政许可事项 12 项/);
    await report.locator('input[name=body]').fill('请附清单电子版,并注明梳理口径。');
    await Promise.all([page.waitForLoadState('load'), report.locator('button[value=return]').click()]);
    assert.match(await page.textContent('.flash'), /报告已退回责任单位修改/);
    assert.match(await page.locator('article.report', { hasText: '区市场监管局' }).textContent(), /已退回修改/);
  });
  // The department sees the return and is offered a revision.
  await withPage(browser, 'ledger-revise', async (page) => {
    await login(page, server.url, 'staff', NEW_PASSWORD);
    await page.goto(`${server.url}/ledger/my`);
    await Promise.all([page.waitForLoadState('load'), myRow(page, '3').locator('a:has-text("报送进展")').click()]);
    assert.match(await page.textContent('#report-form h2'), /修改后重新报送/);
    assert.match(await page.textContent('main'), /请附清单电子版,并注明梳理口径。/);
  });
});

test('the export downloads a valid xlsx', async () => {
  await withPage(browser, 'ledger-export', async (page) => {
    await login(page, server.url, 'ledger', NEW_PASSWORD);
    await openAnnex1(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("导出 Excel")')]);
    assert.match(download.suggestedFilename(), /^附件1-\d{8}\.xlsx$/);
    const path = join(mkdtempSync(join(tmpdir(), 'jianguan-export-')), download.suggestedFilename());
    await download.saveAs(path);
    const bytes = readFileSync(path);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'a zip container');
    for (const part of ['[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/sharedStrings.xml']) {
      assert.ok(bytes.includes(Buffer.from(part)), part);
    }
    // The server reads the file back: as an update of 附件1 it changes nothing.
    await page.goto(`${server.url}/ledger/import`);
    await page.check('input[name=mode][value=existing]');
    await page.selectOption('select[name=ledger_id]', { label: await page.locator('select[name=ledger_id] option', { hasText: '附件1' }).textContent() });
    await page.setInputFiles('input[name=file]', path);
    await Promise.all([page.waitForLoadState('load'), page.click('#import-form button[type=submit]')]);
    assert.match(await page.textContent('#import-changes'), /新增 0 项,修改 0 项,删除 0 项,不变 37 项/);
    assert.equal(await page.locator('#import-errors').count(), 0);
  });
});
