import { describe, expect, it } from 'vitest';
import type { ConsoleDeps } from '../../../cli/console/command';
import { EXIT } from '../../../cli/exit-codes';
import { runCli, type CliDeps } from '../../../cli/program';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';

/** The command line with a console whose browser and stop signal the test holds. */
function harness(overrides: Partial<ConsoleDeps> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const opened: string[] = [];
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let printed: (url: string) => void = () => undefined;
  const urlPrinted = new Promise<string>((resolve) => (printed = resolve));
  const deps: CliDeps = {
    env: {},
    cwd: '/nowhere',
    stdout: (text) => {
      stdout.push(text);
      const url = /sked console: (\S+)/.exec(text)?.[1];
      if (url !== undefined) printed(url);
    },
    stderr: (text) => stderr.push(text),
    isTty: false,
    readOutputs: () => Promise.resolve(undefined),
    connect: () => {
      throw new Error('the console makes no client');
    },
    sleep: () => Promise.resolve(),
    now: () => new Date('2030-01-01T00:00:00Z'),
    editFile: () => Promise.resolve(),
    console: {
      authenticate: () => (request) => Promise.resolve({ ...request.headers, authorization: 'signed' }),
      assets: () => Promise.resolve({ js: 'export {}', css: '', gzipJsBytes: 20, gzipCssBytes: 20 }),
      openBrowser: (url) => {
        opened.push(url);
        return Promise.resolve();
      },
      untilStopped: () => stopped,
      ...overrides,
    },
  };
  return { deps, stdout, stderr, opened, stop, urlPrinted };
}

describe('sked console', () => {
  it('serves the console, opens the session URL in the browser, and stops cleanly', async () => {
    // Prepare
    const h = harness();

    // Act
    const running = runCli(['--api', API, 'console'], h.deps);
    const url = await h.urlPrinted;
    const opened = await fetch(url, { redirect: 'manual' });
    const cookie = opened.headers.get('set-cookie')?.split(';')[0] ?? '';
    const info = await fetch(new URL('/console/info', url), { headers: { cookie } });
    h.stop();
    const code = await running;

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(h.opened).toEqual([url]);
    expect(h.stdout.join('\n')).toContain(`talking to ${API} (--api)`);
    expect(opened.status).toBe(303);
    expect(await info.json()).toEqual({ baseUrl: API, source: '--api', region: 'us-east-1', local: false });
    expect(code).toBe(EXIT.ok);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('prints the URL without opening a browser with --no-open, and says so when no browser opens', async () => {
    // Prepare
    const quiet = harness();
    const broken = harness({ openBrowser: () => Promise.reject(new Error('no xdg-open')) });

    // Act
    const first = runCli(['--api', API, 'console', '--no-open'], quiet.deps);
    await quiet.urlPrinted;
    quiet.stop();
    const second = runCli(['--api', API, 'console'], broken.deps);
    await broken.urlPrinted;
    broken.stop();

    // Assess
    expect(await first).toBe(EXIT.ok);
    expect(quiet.opened).toEqual([]);
    expect(await second).toBe(EXIT.ok);
    expect(broken.stderr.join('\n')).toContain('could not open a browser: open the URL above by hand');
  });

  it('refuses a port that is not one with a usage error', async () => {
    // Prepare
    const h = harness();

    // Act
    const code = await runCli(['--api', API, 'console', '--port', 'eighty'], h.deps);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(h.stderr.join('\n')).toContain("--port: 'eighty' is not a port number (0-65535)");
  });
});
