import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkedClient, type SkedClient } from '../../lib/client';
import { awsStage } from '../support/e2e/aws-stage';
import {
  openBrowser,
  SCREENSHOT_DIR,
  startConsole,
  type ConsoleBrowser,
  type ConsoleProcess,
} from '../support/e2e/browser';
import { deploySked, destroySked, type LocalSked } from '../support/e2e/deployment';
import { eventually } from '../support/e2e/eventually';

/**
 * The web console in a real browser: `sked console` started as a user starts it (a child process of bin/sked.mjs),
 * Debian's Chromium driven by Playwright against it, and sked deployed to the local cloud behind it. What the
 * console shows is checked in the page; what it changed is checked through the API. The console signs with the
 * default AWS credential chain here (it is given the API's URL, as for a deployment on AWS), fed distinctive
 * credentials that no answer to the browser may contain. Screenshots of each page go to test-artifacts/console/.
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const stage = `local-console${randomUUID().slice(0, 8)}`;
const suffix = randomUUID().slice(0, 6);
const idOf = (name: string) => `console-${name}-${suffix}`;

/** What the console process signs with: values no answer to the browser may carry. */
const CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIASKEDCONSOLE00042',
  AWS_SECRET_ACCESS_KEY: 'skedConsoleSecretNeverInTheBrowser0000042',
  AWS_SESSION_TOKEN: 'skedConsoleSessionTokenNeverInTheBrowser42',
};

const RECORD = { type: 'task', task: 'test.record-side-effect', payload: {} } as const;
/** A trigger that does not fire while the file runs. */
const YEARLY = { type: 'cron', expression: '0 0 1 1 *' } as const;

describe.skipIf(onAws !== undefined)('the web console in a browser', () => {
  let sked: LocalSked;
  let api: SkedClient;
  let consoleProcess: ConsoleProcess;
  let browser: ConsoleBrowser;

  const seeded = {
    weekday: idOf('weekday-report'),
    interval: idOf('every-quarter-hour'),
    once: idOf('new-year'),
    actions: idOf('actions'),
    failing: idOf('failing'),
  };

  /** Opens a page of the console afresh (a reload, so that nothing of the previous test stays on screen). */
  const goto = async (hash: string) => {
    await browser.page.goto(`${consoleProcess.origin}/#${hash}`);
    await browser.page.reload();
  };

  beforeAll(async () => {
    // Prepare: a stage of its own, seeded jobs, `sked console` on the stage's API, and a browser on its URL
    sked = await deploySked(stage, endpoint);
    api = createSkedClient({
      baseUrl: sked.apiBaseUrl,
      region: process.env.AWS_REGION ?? 'us-east-1',
      auth: { kind: 'iam', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    });
    await api.createJob({
      id: seeded.weekday,
      group: 'reports',
      tags: ['daily'],
      trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Paris' },
      target: RECORD,
    });
    await api.createJob({
      id: seeded.interval,
      group: 'ops',
      trigger: { type: 'interval', minutes: 15 },
      target: RECORD,
    });
    await api.createJob({
      id: seeded.once,
      group: 'ops',
      tags: ['yearly'],
      trigger: { type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Asia/Tokyo' },
      target: RECORD,
    });
    await api.createJob({ id: seeded.actions, group: 'reports', trigger: YEARLY, target: RECORD });

    const env: NodeJS.ProcessEnv = { ...process.env, ...CREDENTIALS, NO_COLOR: '1' };
    delete env['AWS_ENDPOINT_URL'];
    delete env['SKED_TOKEN'];
    consoleProcess = await startConsole(['--api', sked.apiBaseUrl], env);
    browser = await openBrowser();
    await browser.page.goto(consoleProcess.openUrl);
  }, 300_000);

  afterAll(async () => {
    await browser?.close().catch((error: unknown) => console.error(error));
    await consoleProcess?.stop().catch((error: unknown) => console.error(error));
    await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
  }, 300_000);

  it('lists the seeded jobs with their state, trigger in words and EventBridge form, and next run', async () => {
    // Act
    await goto('/jobs');
    const { page } = browser;
    const weekday = page.locator(`tr[data-job-id="${seeded.weekday}"]`);
    await weekday.waitFor();
    // Recorded, not asserted (speed is measured, not tested): how long the page took to load and show the jobs.
    const loaded = Number(
      await page.evaluate('performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd'),
    );
    const shown = Number(await page.evaluate('performance.now()'));
    writeFileSync(
      join(SCREENSHOT_DIR, 'load-timings.json'),
      JSON.stringify({ domContentLoadedMs: Math.round(loaded), jobsShownMs: Math.round(shown) }, null, 2),
    );

    // Assess
    for (const id of [seeded.weekday, seeded.interval, seeded.once, seeded.actions]) {
      await expect(page.locator(`tr[data-job-id="${id}"]`).count()).resolves.toBe(1);
    }
    const row = await weekday.innerText();
    expect(row).toContain('enabled');
    expect(row).toMatch(/At 09:00, Monday through Friday/);
    expect(row).toContain('cron(0 9 ? * MON-FRI *) Europe/Paris');
    expect(row).toMatch(/\d{4}-\d\d-\d\d 09:00:00 Europe\/Paris/);
    // The browser runs in America/New_York: the viewer's time is shown beside the job's.
    expect(row).toMatch(/\d{4}-\d\d-\d\d 0[23]:00:00 yours/);
    const interval = await page.locator(`tr[data-job-id="${seeded.interval}"]`).innerText();
    expect(interval).toContain('Every 15 minutes');
    expect(interval).toContain('rate(15 minutes) UTC');
    const once = await page.locator(`tr[data-job-id="${seeded.once}"]`).innerText();
    expect(once).toContain('at(2030-01-01T09:00:00) Asia/Tokyo');
    expect(once).toContain('2030-01-01 09:00:00 Asia/Tokyo');
    // Each row's outcome strip has been read (the weekday job has not run: its strip says so).
    await page.locator('.strip', { hasText: '…' }).first().waitFor({ state: 'detached' });
    expect(await weekday.locator('.strip').innerText()).toBe('no runs yet');
    await browser.screenshot('jobs');
  });

  it('filters jobs by group, tag and state, and searches by id', async () => {
    // Prepare
    const { page } = browser;
    await goto('/jobs');
    await page.locator(`tr[data-job-id="${seeded.weekday}"]`).waitFor();
    const listed = async () => {
      const rows = await page.locator('table.jobs tbody tr').all();
      const ids = await Promise.all(rows.map((row) => row.getAttribute('data-job-id')));
      return ids.filter((id): id is string => id !== null && id.endsWith(suffix)).sort();
    };

    // Act / Assess: the group filter is the API's
    await page.getByLabel('Group').fill('ops');
    await expect.poll(listed, { timeout: 10_000 }).toEqual([seeded.interval, seeded.once].sort());
    await page.getByLabel('Tag').fill('yearly');
    await expect.poll(listed, { timeout: 10_000 }).toEqual([seeded.once]);
    await page.getByLabel('Group').fill('');
    await page.getByLabel('Tag').fill('');
    await page.getByLabel('State').selectOption('paused');
    await expect.poll(listed, { timeout: 10_000 }).toEqual([]);
    await page.getByLabel('State').selectOption('');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    await page.keyboard.type('weekday');
    await expect.poll(listed, { timeout: 10_000 }).toEqual([seeded.weekday]);
  });

  it('opens a job by keyboard and shows its definition and next 10 fire times with daylight-saving notes', async () => {
    // Prepare: the search box narrows the list to one job
    const { page } = browser;
    await goto('/jobs');
    await page.getByLabel(/Search by id/).fill(seeded.weekday);
    await page.locator(`tr[data-job-id="${seeded.interval}"]`).waitFor({ state: 'detached' });

    // Act: Tab to the job's link and press Enter
    await page.getByRole('link', { name: seeded.weekday }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: new RegExp(seeded.weekday) }).waitFor();

    // Assess
    const fireTimes = page.getByRole('table', { name: 'Next fire times' });
    await expect(fireTimes.locator('tbody tr:not(.dst-note)').count()).resolves.toBe(10);
    expect(await fireTimes.innerText()).toMatch(/09:00:00/);
    expect(await page.getByLabel('Definition').innerText()).toContain('"expression": "0 9 * * 1-5"');
  });

  it('pauses a job with a reason: the API shows it paused; resume enables it again', async () => {
    // Prepare
    const { page } = browser;
    await goto(`/jobs/${seeded.actions}`);
    await page.getByRole('button', { name: 'Pause…' }).click();

    // Act
    await page.getByLabel(/Reason/).fill('billing freeze until Monday');
    await page.getByRole('button', { name: 'Pause the job' }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'paused' }).waitFor();

    // Assess
    const { job } = await api.getJob(seeded.actions);
    expect(job.state).toBe('paused');
    expect(job.paused?.reason).toBe('billing freeze until Monday');
    expect(await page.locator('.paused-note').innerText()).toContain('billing freeze until Monday');
    await browser.screenshot('job-paused');

    // Act: resume
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'enabled' }).waitFor();

    // Assess
    expect((await api.getJob(seeded.actions)).job.state).toBe('enabled');
  });

  it('runs a job now: the run appears in the timeline and in the runs, and succeeds', async () => {
    // Prepare
    const { page } = browser;
    await goto(`/jobs/${seeded.actions}`);

    // Act
    await page.getByRole('button', { name: 'Run now' }).click();
    const notice = page.locator('.notice');
    await notice.filter({ hasText: /queued/ }).waitFor();
    const runId = /Run (\S+) queued/.exec(await notice.innerText())?.[1] ?? '';

    // Assess: in the timeline's data and the runs table, succeeded once the worker ran it
    expect(runId).not.toBe('');
    await page.locator(`figure.timeline[data-run-ids~="${runId}"]`).waitFor({ timeout: 90_000 });
    await page.locator(`tr[data-run-id="${runId}"]`).filter({ hasText: 'succeeded' }).waitFor({ timeout: 120_000 });
    const run = await api.getRun(seeded.actions, runId);
    expect(run).toMatchObject({ kind: 'manual', status: 'succeeded' });
    expect(await page.locator('figure.timeline canvas').getAttribute('aria-label')).toMatch(/succeeded/);
    await browser.screenshot('job');
  }, 180_000);

  it('edits a trigger with a live preview of its fire times and a daylight-saving note, and saves it', async () => {
    // Prepare
    const { page } = browser;
    await goto(`/jobs/${seeded.actions}`);
    const before = await api.getJob(seeded.actions);
    await page.getByRole('button', { name: 'Edit trigger' }).click();

    // Act: the 28th of each month at 09:00 in Paris, which crosses a clock change within 10 months
    await page
      .getByLabel('Trigger (JSON)')
      .fill(JSON.stringify({ type: 'cron', expression: '0 9 28 * *', timezone: 'Europe/Paris' }));
    const preview = page.getByLabel('Preview');
    await preview.getByText('cron(0 9 28 * ? *) Europe/Paris').waitFor();

    // Assess: the preview, before anything is saved
    const previewTable = page.getByRole('table', { name: 'Preview of the next fire times' });
    await expect(previewTable.locator('tbody tr:not(.dst-note)').count()).resolves.toBe(10);
    expect(await previewTable.innerText()).toMatch(/clocks in Europe\/Paris go (forward|back)/);
    expect((await api.getJob(seeded.actions)).job.version).toBe(before.job.version);
    await browser.screenshot('edit-trigger');

    // Act: save
    await page.getByRole('button', { name: 'Save trigger' }).click();
    await page
      .locator('.notice')
      .filter({ hasText: `Trigger saved: version ${before.job.version + 1}.` })
      .waitFor();

    // Assess
    const after = await api.getJob(seeded.actions);
    expect(after.job.trigger).toEqual({ type: 'cron', expression: '0 9 28 * *', timezone: 'Europe/Paris' });
    expect(after.job.version).toBe(before.job.version + 1);
  });

  it('refuses a stale edit with the conflict shown, keeps the other change, and saves after a reload', async () => {
    // Prepare: the editor open at the job's current ETag, then a change made elsewhere
    const { page } = browser;
    await goto(`/jobs/${seeded.actions}`);
    await page.getByRole('button', { name: 'Edit trigger' }).click();
    await page.getByLabel('Trigger (JSON)').waitFor();
    const elsewhere = await api.patchJob(seeded.actions, { description: 'changed from the command line' });
    // The page refreshes the job in the background (every 15 s): the editor must still send the ETag it opened with.
    await page.locator(`section[data-job-version="${elsewhere.job.version}"]`).waitFor({ timeout: 30_000 });

    // Act
    await page.getByLabel('Trigger (JSON)').fill(JSON.stringify({ type: 'interval', hours: 6 }));
    await page.getByLabel('Preview').getByText('rate(6 hours) UTC').waitFor();
    await page.getByRole('button', { name: 'Save trigger' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Conflict' });
    await conflict.waitFor();

    // Assess: nothing overwritten
    const { job } = await api.getJob(seeded.actions);
    expect(job.version).toBe(elsewhere.job.version);
    expect(job.description).toBe('changed from the command line');
    expect(job.trigger).toEqual({ type: 'cron', expression: '0 9 28 * *', timezone: 'Europe/Paris' });
    await browser.screenshot('edit-conflict');

    // Act: reload, then save the same text again
    await page.getByRole('button', { name: 'Reload the job' }).click();
    await conflict.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Save trigger' }).click();
    await page
      .locator('.notice')
      .filter({ hasText: `Trigger saved: version ${elsewhere.job.version + 1}.` })
      .waitFor();

    // Assess
    const saved = await api.getJob(seeded.actions);
    expect(saved.job).toMatchObject({
      trigger: { type: 'interval', hours: 6 },
      description: 'changed from the command line',
    });
  });

  it('lists a failed run on the runs page by status and error category, shows its DLQ copy and redrives it', async () => {
    // Prepare: a run that fails its only attempt, and its copy in the jobs DLQ
    const { page } = browser;
    await api.createJob({
      id: seeded.failing,
      trigger: YEARLY,
      target: { ...RECORD, payload: { failures: 100, note: 'from the console' } },
      retry: { maxAttempts: 1 },
    });
    const { runId } = await api.runJob(seeded.failing);
    await eventually(
      () => api.listDeadLetters({ jobId: seeded.failing }),
      (list) => list.items.length > 0,
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );

    // Act / Assess: the runs page, filtered
    await goto('/runs');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByLabel('Error category').selectOption('task_exception');
    const failedRun = page.locator(`tr[data-run-id="${runId}"]`);
    await failedRun.waitFor({ timeout: 30_000 });
    expect(await failedRun.innerText()).toMatch(/failed[\s\S]*task_exception Error: planned failure 1 of 100/);
    await page.getByLabel('Error category').selectOption('timeout');
    await failedRun.waitFor({ state: 'detached' });
    await page.getByLabel('Error category').selectOption('task_exception');
    await failedRun.waitFor();
    await browser.screenshot('runs');

    // Act / Assess: the DLQ page shows the copy with its error, redrivable
    await api.patchJob(seeded.failing, { target: { payload: { failures: 0 } } });
    await goto('/dlq');
    const copy = page.locator('table.dlq tbody tr').filter({ hasText: runId });
    await copy.waitFor();
    const text = await copy.innerText();
    expect(text).toContain(seeded.failing);
    expect(text).toContain('exhausted');
    expect(text).toMatch(/task_exception Error: planned failure 1 of 100/);
    expect(text).toContain('redrivable');
    await browser.screenshot('dlq');

    // Act: choose it and redrive it
    await copy.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Redrive 1 chosen' }).click();
    await page.getByRole('status').filter({ hasText: 'Redrove 1' }).waitFor();

    // Assess: the run succeeds on its redrive; the DLQ no longer holds it
    const run = await eventually(
      () => api.getRun(seeded.failing, runId),
      (current) => current.status === 'succeeded',
      { timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(run.redrives).toBe(1);
    expect((await api.listDeadLetters({ jobId: seeded.failing })).items).toEqual([]);
    await copy.waitFor({ state: 'detached' });
  }, 240_000);

  it('reads in the dark theme', async () => {
    // Act
    const { page } = browser;
    await goto('/jobs');
    await page.locator(`tr[data-job-id="${seeded.weekday}"]`).waitFor();
    await page.locator('.strip', { hasText: '…' }).first().waitFor({ state: 'detached' });
    await browser.screenshot('jobs-with-runs');
    while (!/Theme: dark/.test(await page.locator('.theme-button').innerText())) {
      await page.locator('.theme-button').click();
    }

    // Assess
    expect(await page.evaluate('document.documentElement.getAttribute("data-theme")')).toBe('dark');
    const background = String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
    const channels = (background.match(/\d+/g) ?? []).map(Number).slice(0, 3);
    expect(channels).toHaveLength(3);
    expect(Math.max(...channels)).toBeLessThan(80);
    // Pico eases form controls into the new colours over 0.2 s: the screenshot waits for the end of that.
    await page.waitForTimeout(500);
    await browser.screenshot('jobs-dark');
    await page.locator('.theme-button').click();
  });

  it('never gives the browser an AWS credential or signature: the local process signs', async () => {
    // Prepare
    const { page, context } = browser;
    const secrets = [...Object.values(CREDENTIALS), 'AWS4-HMAC-SHA256'];
    const cookies = await context.cookies();
    const storage = String(await page.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage })'));
    const documentCookie = await page.evaluate('document.cookie');
    const traffic = await browser.exchanges();
    const apiCalls = traffic.filter((exchange) => new URL(exchange.url).pathname.startsWith('/api/'));

    // Assess: the browser talked to the local process only, and the API calls went through it
    expect(apiCalls.length).toBeGreaterThan(20);
    expect(apiCalls.some((exchange) => exchange.status === 200)).toBe(true);
    expect(traffic.every((exchange) => new URL(exchange.url).origin === consoleProcess.origin)).toBe(true);
    for (const exchange of traffic) {
      const seen = [
        JSON.stringify(exchange.requestHeaders),
        exchange.requestBody,
        JSON.stringify(exchange.responseHeaders),
        exchange.responseBody,
      ].join('\n');
      for (const secret of secrets) expect(seen, `${exchange.method} ${exchange.url}`).not.toContain(secret);
      expect(Object.keys(exchange.requestHeaders)).not.toContain('authorization');
      const signing = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];
      expect(Object.keys(exchange.responseHeaders).filter((name) => signing.includes(name))).toEqual([]);
    }
    for (const secret of secrets) {
      expect(JSON.stringify(cookies)).not.toContain(secret);
      expect(storage).not.toContain(secret);
    }
    // The one cookie is the console's session, out of the page's reach.
    expect(
      cookies.map((cookie) => ({ name: cookie.name, httpOnly: cookie.httpOnly, sameSite: cookie.sameSite })),
    ).toEqual([{ name: `sked_console_${new URL(consoleProcess.origin).port}`, httpOnly: true, sameSite: 'Strict' }]);
    expect(documentCookie).toBe('');
  });
});
