// Shared harness for the browser tests: starts a real `jianguan serve` on a fresh data
// directory and a free port, reads the one-time passwords it prints, and drives Debian's
// chromium through playwright-core (no browser download: executablePath is fixed).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const BIN = process.env.JIANGUAN_BIN || join(ROOT, 'target', 'debug', 'jianguan');
export const SHOTS = join(here, 'screenshots');

async function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts the server; resolves with { url, passwords, dataDir, stop }. */
export async function startServer(extraArgs = [], env = {}) {
  if (!existsSync(BIN)) throw new Error(`jianguan binary not found at ${BIN}: build it first (cargo build)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'jianguan-browser-'));
  const port = await freePort();
  const child = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...extraArgs], {
    cwd: dataDir,
    env: { ...process.env, JIANGUAN_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const passwords = {};
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 120 s\n${out}\n${err}`)), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        const m = line.match(/^\s+(\S+)\s+\S+\s+\S+\s+(\S{12})\s*$/);
        if (m) passwords[m[1]] = m[2];
      }
      const u = out.match(/已启动:(http:\/\/\S+?)\/\s/);
      if (u) { clearTimeout(timer); ok(u[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited ${code}\n${out}\n${err}`)); });
  });
  return {
    url,
    passwords,
    dataDir,
    stop: () => new Promise((ok) => { child.once('exit', ok); child.kill('SIGTERM'); }),
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/** Runs `fn(page)` in a fresh context; keeps a screenshot when it throws. */
export async function withPage(browser, name, fn, viewport = { width: 1366, height: 768 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  try {
    await fn(page, context);
  } catch (e) {
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    e.message += `\n(screenshot: ${file})`;
    throw e;
  } finally {
    await context.close();
  }
}

/** Clicks a submit button (by default the main form's) and waits for the next page. */
export async function submit(page, selector = 'main button[type=submit]') {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

export async function login(page, url, username, password) {
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await submit(page);
}

export const NEW_PASSWORD = 'Browser-Test-1';

/** First login with a one-time password: change it, and enrol TOTP for admins. */
export async function firstLogin(page, server, username) {
  await login(page, server.url, username, server.passwords[username]);
  if (page.url().endsWith('/account/password')) {
    await page.fill('input[name=current]', server.passwords[username]);
    await page.fill('input[name=new_password]', NEW_PASSWORD);
    await page.fill('input[name=confirm]', NEW_PASSWORD);
    await submit(page);
  }
  if (page.url().endsWith('/account/totp')) {
    const secret = (await page.textContent('#totp-secret')).trim();
    await page.fill('input[name=code]', totp(secret));
    await submit(page);
  }
}

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP, as an authenticator app computes it. */
export function totp(secretBase32, time = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 1000 / 30)));
  const h = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const off = h[19] & 0xf;
  const bin = ((h[off] & 0x7f) << 24) | (h[off + 1] << 16) | (h[off + 2] << 8) | h[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}
