// Self-declarations in a real browser: 区市场监管局 issues an application code, the entity
// (no account) declares on the public site, the code works once; annual-report overdue
// entities are flagged on the public status page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, withPage, submit, firstLogin } from './lib.mjs';

let server;
let browser;
let uscc;
let code;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a department issues a one-time application code', async () => {
  await withPage(browser, 'declaration-code', async (page) => {
    await firstLogin(page, server, 'staff');
    await page.goto(`${server.url}/declarations/annual`);
    uscc = (await page.locator('#overdue td.mono').first().textContent()).trim();
    await page.goto(`${server.url}/declarations`);
    await page.fill('#code-form input[name=uscc]', uscc);
    await submit(page, '#code-form button[type=submit]');
    code = (await page.textContent('#application-code')).trim();
    assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]$/);
  });
});

test('the entity declares on the public site; the code works once; scripts stay text', async () => {
  await withPage(browser, 'declaration-public', async (page) => {
    const fill = async (content) => {
      await page.goto(`${server.url}/public/declarations/new`);
      await page.fill('#public-declaration-form input[name=uscc]', uscc);
      await page.fill('#public-declaration-form input[name=code]', code.toLowerCase());
      await page.selectOption('#public-declaration-form select[name=kind]', 'standard');
      await page.fill('#public-declaration-form input[name=subject]', '手工挂面');
      await page.fill('#public-declaration-form input[name=standard_no]', 'Q/NKGM 0003S-2026');
      await page.fill('#public-declaration-form input[name=title]', '手工挂面企业标准');
      await page.fill('#public-declaration-form textarea[name=content]', content);
      await submit(page, '#public-declaration-form button[type=submit]');
    };
    await fill('<script>document.title="hacked"</script>水分 ≤ 14.5%');
    assert.match(await page.textContent('#declaration-content'), /<script>document.title/);
    assert.notEqual(await page.title(), 'hacked');
    await fill('再次提交');
    assert.match(await page.textContent('.error-message'), /申报码已使用/);
  });
});

test('annual-report status is public and overdue entities are flagged', async () => {
  await withPage(browser, 'annual-public', async (page) => {
    await page.goto(`${server.url}/public/annual-reports?uscc=${uscc}`);
    assert.match(await page.textContent('#annual-status'), /逾期未报/);
  });
});
