/**
 * A real browser for the console's end-to-end tests: Debian's Chromium (`.ci/run` installs it with apt) driven by
 * playwright-core, headless, in a new empty profile (Playwright's), with the flags a closed network needs, and a record of every request the page
 * sends and every answer it receives, so that a test can check what the browser ever held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../cdk/constructs/sked-function';

/** Where Debian's chromium package puts the browser; SKED_CHROMIUM names another. */
export const CHROMIUM_PATH = process.env['SKED_CHROMIUM'] ?? '/usr/bin/chromium';

/** Screenshots of the console, kept after the run as test artefacts. */
export const SCREENSHOT_DIR = join(PROJECT_ROOT, 'test-artifacts', 'console');

/** One exchange the page had with a server, headers and body as the browser saw them. */
export interface Exchange {
  readonly url: string;
  readonly method: string;
  readonly requestHeaders: Record<string, string>;
  readonly requestBody: string;
  readonly status: number;
  readonly responseHeaders: Record<string, string>;
  readonly responseBody: string;
}

export interface ConsoleBrowser {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every exchange so far, once each answer seen has been read. */
  exchanges(): Promise<readonly Exchange[]>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (bash .ci/run does)`);
  }
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, timezoneId: 'America/New_York' });
  const page = await context.newPage();
  const traffic: Exchange[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    pending.push(
      (async () => {
        const request = response.request();
        const body = await response.body().catch(() => Buffer.alloc(0));
        traffic.push({
          url: request.url(),
          method: request.method(),
          requestHeaders: await request.allHeaders(),
          requestBody: request.postData() ?? '',
          status: response.status(),
          responseHeaders: await response.allHeaders(),
          responseBody: body.toString('utf8'),
        });
      })(),
    );
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    page,
    context,
    async exchanges() {
      await Promise.allSettled(pending);
      return traffic;
    },
    async screenshot(name) {
      await Promise.allSettled(pending);
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await Promise.allSettled(pending);
      await browser.close();
    },
  };
}

/** `sked console` as a user starts it: a child process, its URL read from what it prints. */
export interface ConsoleProcess {
  /** The URL `sked console` printed, with its one-time token. */
  readonly openUrl: string;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<number | null>;
}

export function startConsole(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ConsoleProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(PROJECT_ROOT, 'bin', 'sked.mjs'), ...args, 'console', '--no-open', '--port', '0'],
    { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let printed = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sked console printed no URL within 60 s:\n${printed}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(printed);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      const openUrl = match[1];
      resolve({
        openUrl,
        origin: new URL(openUrl).origin,
        output: () => printed,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sked console exited with ${code}:\n${printed}`));
    });
  });
}
