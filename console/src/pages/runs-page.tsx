import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, ApiProblemError, type ErrorCategory, type Job, type Run, type RunStatus } from '../api';
import { RunsTable } from '../components/runs-table';
import { Loading, ProblemView } from '../components/status';
import { zoneOf } from '../format';

const STATUSES: readonly RunStatus[] = ['failed', 'missed', 'skipped', 'succeeded', 'running', 'queued'];
const CATEGORIES: readonly ErrorCategory[] = [
  'timeout',
  'http_4xx',
  'http_5xx',
  'task_exception',
  'payload_validation',
  'throttled',
  'unknown',
];
/** Runs read per job: the newest of each, merged into one list. */
const PER_JOB = 20;
const SHOWN = 200;
/** Jobs read at once: the local server signs each call; a few at a time keeps the API's throttle away. */
const CONCURRENCY = 6;

interface RecentRuns {
  readonly runs: Run[];
  readonly jobs: number;
  readonly unreadable: { id: string; why: string }[];
}

/** The newest runs of every job, newest first: the API lists runs per job, so each job's are read and merged. */
async function recentRuns(status: RunStatus | undefined, signal: AbortSignal): Promise<RecentRuns> {
  const jobs = await api.listJobs({}, signal);
  const runs: Run[] = [];
  const unreadable: { id: string; why: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next] as Job;
      next += 1;
      if (signal.aborted) return;
      try {
        runs.push(...(await api.listRuns(job.id, { status, limit: PER_JOB }, signal)));
      } catch (error) {
        // A job deleted since the listing has no runs to show; anything else is said.
        if (error instanceof ApiProblemError && error.status === 404) continue;
        if (signal.aborted) return;
        unreadable.push({ id: job.id, why: error instanceof Error ? error.message : 'unreadable' });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  runs.sort((a, b) => Date.parse(b.scheduledTime) - Date.parse(a.scheduledTime));
  return { runs, jobs: jobs.length, unreadable };
}

export function RunsPage() {
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [category, setCategory] = useState<ErrorCategory | ''>('');
  const recent = useQuery({
    queryKey: ['recent-runs', status],
    queryFn: ({ signal }) => recentRuns(status === '' ? undefined : status, signal),
    // One request per job: refreshed each minute (and on demand), not every 15 s, to stay clear of the API's throttle.
    refetchInterval: 60_000,
  });
  const zones = useQuery({ queryKey: ['jobs', '', '', ''], queryFn: () => api.listJobs({}) });
  const zoneByJob = useMemo(() => new Map((zones.data ?? []).map((job) => [job.id, zoneOf(job)])), [zones.data]);
  const shown = useMemo(
    () =>
      (recent.data?.runs ?? []).filter((run) => category === '' || run.error?.category === category).slice(0, SHOWN),
    [recent.data, category],
  );

  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Status
          <select name="status" value={status} onChange={(event) => setStatus(event.target.value as RunStatus | '')}>
            <option value="">any</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Error category
          <select
            name="category"
            value={category}
            onChange={(event) => setCategory(event.target.value as ErrorCategory | '')}
          >
            <option value="">any</option>
            {CATEGORIES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary refresh"
          aria-busy={recent.isFetching}
          disabled={recent.isFetching}
          onClick={() => void recent.refetch()}
        >
          Refresh
        </button>
      </form>
      <ProblemView error={recent.error} />
      {recent.isPending ? (
        <Loading what="runs of every job" />
      ) : (
        recent.data !== undefined && (
          <>
            <p aria-live="polite">
              {shown.length} runs shown, the newest {PER_JOB} of each of {recent.data.jobs} jobs
              {recent.data.unreadable.length > 0 &&
                `; could not read the runs of ${recent.data.unreadable.map((job) => `${job.id} (${job.why})`).join(', ')}`}
            </p>
            <RunsTable runs={shown} zoneOf={(run) => zoneByJob.get(run.jobId) ?? 'UTC'} withJob label="Recent runs" />
          </>
        )
      )}
    </section>
  );
}
