// Traceability in a real browser: department staff import a lot's custody events as CSV,
// trace it forward through three hops (table and server-rendered graph), start a recall,
// confirm every downstream holder and see the recall completed.
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

const CODE = '(01)06901234567892(10)BROWSER1';

test('a lot is imported, traced forward three hops, and recalled to completion', async () => {
  await withPage(browser, 'trace', async (page) => {
    await firstLogin(page, server, 'staff');
    // Registered entities, from the demonstration lot's trace.
    await page.goto(`${server.url}/trace/query?scheme=gtin&code=${encodeURIComponent('(01)06901234567892(10)20260302A')}`);
    const usccs = (await page.locator('#trace-nodes tbody tr td:nth-child(2)').allTextContents()).map((s) => s.trim());
    assert.ok(usccs.length >= 4, `demo trace has ${usccs.length} holders`);
    const [p, a, b, c] = usccs;

    await page.goto(`${server.url}/trace`);
    const csv = [
      '事件,编码方案,代码,批号,发出方,接收方,时间,数量,地点',
      `生产,gtin,${CODE},,,${p},2026-03-01 08:00,500,工厂`,
      `发货,gtin,${CODE},,${p},${a},2026-03-02 08:00,300,工厂`,
      `发货,gtin,${CODE},,${a},${b},2026-03-03 08:00,120,配送中心`,
      `发货,gtin,${CODE},,${b},${c},2026-03-04 08:00,30,批发市场`,
    ].join('\n');
    await page.fill('#trace-import-form textarea[name=csv]', csv);
    await submit(page, '#trace-import-form button[type=submit]');
    assert.match(await page.textContent('.flash'), /事件已导入/);

    // Trace forward: three hops, every holder, the graph.
    await page.goto(`${server.url}/trace`);
    await page.selectOption('#trace-query-form select[name=scheme]', 'gtin');
    await page.fill('#trace-query-form input[name=code]', CODE);
    await submit(page, '#trace-query-form button[type=submit]');
    assert.match(await page.textContent('#trace-summary'), /共 4 个主体/);
    assert.equal(await page.locator('#trace-nodes tr[data-depth="3"]').count(), 1);
    assert.equal(await page.locator('#trace-graph svg g.node').count(), 4);
    assert.match(await page.textContent('#trace-steps'), /发货/);

    // Recall: every downstream holder listed with quantities; each confirms.
    await page.goto(`${server.url}/trace/recalls`);
    await page.fill('#recall-form input[name=code]', CODE);
    await page.fill('#recall-form input[name=initiator_uscc]', p);
    await page.fill('#recall-form textarea[name=reason]', '浏览器测试:检出异物');
    await submit(page, '#recall-form button[type=submit]');
    assert.match(await page.textContent('.flash'), /召回已启动/);
    assert.equal(await page.locator('#recall-holders tbody tr').count(), 3);
    assert.match(await page.textContent('#recall-progress'), /已确认 0\/3/);
    while ((await page.locator('.confirm-form').count()) > 0) {
      await page.fill('.confirm-form >> nth=0 >> input[name=note]', '已下架退回');
      await submit(page, '.confirm-form >> nth=0 >> button[type=submit]');
    }
    assert.match(await page.textContent('#recall-status'), /已完成/);
    assert.match(await page.textContent('#recall-progress'), /已确认 3\/3/);
  });
});

test('a system administrator sees no business data: the recall dashboard is refused', async () => {
  await withPage(browser, 'trace-denied', async (page) => {
    await firstLogin(page, server, 'sysadmin');
    const resp = await page.goto(`${server.url}/trace/recalls`);
    assert.equal(resp.status(), 403);
  });
});
