// What the end-to-end tests share: a real `stemma serve` with a fresh data
// directory on free loopback ports, its REST API, and headless Chromium
// (Debian's package, driven by playwright-core) that may talk to nothing
// but that server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.resolve(here, '..', 'artifacts');
export const KEYS = { alice: 'key-alice-0001', bob: 'key-bob-00002' };
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** startServer runs bin/stemma serve and resolves once /healthz says 200. */
export async function startServer() {
  const bin = process.env.STEMMA_BIN || path.resolve(here, '..', '..', '..', 'bin', 'stemma');
  if (!fs.existsSync(bin)) throw new Error(`no stemma binary at ${bin}: run make build`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stemma-e2e-'));
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${httpPort}`;
  const log = [];
  const proc = spawn(bin, ['serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME || dataDir,
      STEMMA_HTTP_ADDR: `127.0.0.1:${httpPort}`,
      STEMMA_GRPC_ADDR: `127.0.0.1:${grpcPort}`,
      STEMMA_DATA_DIR: dataDir,
      STEMMA_API_KEYS: `alice=${KEYS.alice},bob=${KEYS.bob}`,
      STEMMA_REVIEWERS: 'bob',
      STEMMA_LOG_LEVEL: 'warn',
      // One browser drives each server harder than any person would (the
      // 500-ancestor tree is drawn five times in a few seconds, some 70
      // tokens a draw), and every page is anonymous from one address: the
      // limits would turn the measured draws into waits. They have tests of
      // their own (services/internal/stress: TestRateLimit and kin).
      STEMMA_RATE_LIMIT: '0',
      STEMMA_ANONYMOUS_RATE_LIMIT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d) => log.push(String(d)));
  proc.stderr.on('data', (d) => log.push(String(d)));
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))]);
    if (code !== undefined) throw new Error(`stemma serve exited ${code}:\n${log.join('')}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`stemma serve not healthy after 30s:\n${log.join('')}`);
    }
  }
  return {
    base,
    log,
    async stop() {
      proc.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
      if (code === 'timeout') proc.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** apiClient calls the REST API as a principal (or anonymously). */
export function apiClient(base) {
  return async function api(method, p, body, { key, query } = {}) {
    const u = new URL(p, base);
    for (const [k, v] of Object.entries(query || {})) u.searchParams.set(k, String(v));
    const r = await fetch(u, {
      method,
      headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : {};
    if (!r.ok) {
      const e = new Error(`${method} ${p}: ${r.status} ${text}`);
      e.status = r.status;
      e.body = data;
      throw e;
    }
    return data;
  };
}

/**
 * startBrowser launches headless Chromium with a fresh profile, with the
 * flags this machine needs, and a context that records every request and
 * every problem the pages report.
 */
export async function startBrowser(base, { viewport = { width: 1280, height: 900 } } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'stemma-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const foreign = [];
  const problems = [];
  const requests = [];
  context.on('request', (r) => {
    const u = r.url();
    requests.push({ url: u, method: r.method(), headers: r.headers() });
    if (!u.startsWith(`${base}/`) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  const watch = (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      const t = m.text();
      // Failed API calls log a console error by design of the browser;
      // the pages show them. CSP violations and script errors are bugs.
      if (/Content.Security.Policy|Refused to/i.test(t)) problems.push(`CSP: ${t}`);
      else if (m.type() === 'error' && !/Failed to load resource/.test(t)) problems.push(`console: ${t}`);
    });
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  return {
    context, foreign, problems, requests,
    async page() {
      const p = context.pages()[0] && !context.pages()[0].url().startsWith('http') ? context.pages()[0] : await context.newPage();
      return p;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** artifact returns a path in the (git-ignored) artifacts folder. */
export function artifact(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** sha256 makes a digest string of some text. */
export async function sha256(text) {
  const { createHash } = await import('node:crypto');
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
