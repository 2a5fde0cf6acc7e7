import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, type JobDetail } from '../api';
import { FireTimes } from '../components/fire-times';
import { RunTimeline } from '../components/run-timeline';
import { RunsTable } from '../components/runs-table';
import { Loading, ProblemView, StatusBadge } from '../components/status';
import { TriggerEditor } from '../components/trigger-editor';
import { eventBridgeForm, triggerInWords, upcomingOf, zoneOf } from '../format';

const FIRE_TIMES = 10;
const RUNS_SHOWN = 100;

/** The definition as the user wrote it: sked's bookkeeping fields left out. */
function definitionOf(job: JobDetail): Record<string, unknown> {
  const {
    nextRuns: _nextRuns,
    lastRun: _lastRun,
    version: _version,
    createdAt: _createdAt,
    updatedAt: _updatedAt,
    slotsHighWater: _slotsHighWater,
    state: _state,
    paused: _paused,
    ...definition
  } = job;
  return definition;
}

function PauseDialog({ job, onDone }: { job: JobDetail; onDone: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const queries = useQueryClient();
  const pause = useMutation({
    mutationFn: () => api.pause(job.id, reason, undefined),
    onSuccess: async () => {
      dialog.current?.close();
      setReason('');
      await queries.invalidateQueries({ queryKey: ['job', job.id] });
      onDone();
    },
  });
  return (
    <>
      <button type="button" onClick={() => dialog.current?.showModal()}>
        Pause…
      </button>
      <dialog ref={dialog} aria-labelledby="pause-title">
        <article>
          <h2 id="pause-title">Pause {job.id}</h2>
          <p>Its schedule is disabled until resumed; occurrences in between are not run.</p>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              pause.mutate();
            }}
          >
            <label>
              Reason (kept on the job, shown to others)
              <input
                name="reason"
                value={reason}
                maxLength={1024}
                autoFocus
                onChange={(event) => setReason(event.target.value)}
              />
            </label>
            <ProblemView error={pause.error} />
            <footer className="actions">
              <button type="submit" aria-busy={pause.isPending} disabled={pause.isPending}>
                Pause the job
              </button>
              <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
                Cancel
              </button>
            </footer>
          </form>
        </article>
      </dialog>
    </>
  );
}

export function JobPage({ id }: { id: string }) {
  const queries = useQueryClient();
  const detail = useQuery({ queryKey: ['job', id], queryFn: () => api.getJob(id) });
  const runs = useQuery({ queryKey: ['runs', id, 'job'], queryFn: () => api.listRuns(id, { limit: RUNS_SHOWN }) });
  const [editing, setEditing] = useState<{ etag: string | undefined } | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const refresh = async () => {
    await Promise.all([
      queries.invalidateQueries({ queryKey: ['job', id] }),
      queries.invalidateQueries({ queryKey: ['runs', id] }),
    ]);
  };
  const resume = useMutation({
    mutationFn: () => api.resume(id, undefined),
    onMutate: () => setNotice(undefined),
    onSuccess: async () => {
      setNotice('Resumed.');
      await refresh();
    },
  });
  const runNow = useMutation({
    mutationFn: () => api.runNow(id),
    onMutate: () => setNotice(undefined),
    onSuccess: async (runId) => {
      setNotice(`Run ${runId} queued; it appears below when it is picked up.`);
      await refresh();
    },
  });

  if (detail.isPending) return <Loading what={`job ${id}`} />;
  if (detail.isError) {
    return (
      <section>
        <h1>{id}</h1>
        <ProblemView error={detail.error} />
        <Link href="/jobs">All jobs</Link>
      </section>
    );
  }
  const { job, etag } = detail.data;
  const zone = zoneOf(job);
  const times = upcomingOf(job, new Date(), FIRE_TIMES);

  return (
    <section aria-labelledby="job-title" data-job-version={job.version}>
      <nav aria-label="Breadcrumb">
        <ul>
          <li>
            <Link href="/jobs">Jobs</Link>
          </li>
          <li>{job.id}</li>
        </ul>
      </nav>
      <hgroup>
        <h1 id="job-title">
          {job.id} <StatusBadge status={job.state} />
        </h1>
        <p>
          {job.name} · {job.group} · version {job.version}
          {job.managedBy !== undefined && ` · declared in code (${job.managedBy.source})`}
        </p>
      </hgroup>
      {job.paused !== undefined && (
        <p className="paused-note">
          Paused {job.paused.at} by {job.paused.by}
          {job.paused.reason !== undefined && `: ${job.paused.reason}`}
        </p>
      )}
      <div className="actions">
        {job.state === 'enabled' && <PauseDialog job={job} onDone={() => setNotice('Paused.')} />}
        {job.state === 'paused' && (
          <button
            type="button"
            aria-busy={resume.isPending}
            disabled={resume.isPending}
            onClick={() => resume.mutate()}
          >
            Resume
          </button>
        )}
        <button
          type="button"
          className="secondary"
          aria-busy={runNow.isPending}
          disabled={runNow.isPending}
          onClick={() => runNow.mutate()}
        >
          Run now
        </button>
        <button
          type="button"
          className="secondary"
          aria-expanded={editing !== undefined}
          onClick={() => setEditing(editing === undefined ? { etag } : undefined)}
        >
          Edit trigger
        </button>
      </div>
      <p aria-live="polite" className="notice">
        {notice}
      </p>
      <ProblemView error={resume.error ?? runNow.error} />
      {editing !== undefined && (
        <TriggerEditor
          job={job}
          etag={editing.etag}
          onClose={() => setEditing(undefined)}
          onSaved={(saved) => {
            setEditing(undefined);
            setNotice(`Trigger saved: version ${saved.version}.`);
          }}
          onReload={async () => {
            // staleTime 0: read the job now, not the copy cached before the change that caused the conflict.
            const fresh = await queries.fetchQuery({
              queryKey: ['job', id],
              queryFn: () => api.getJob(id),
              staleTime: 0,
            });
            setEditing({ etag: fresh.etag });
          }}
        />
      )}
      <div className="grid two">
        <article>
          <header>Trigger</header>
          <p>{triggerInWords(job.trigger)}</p>
          <p>
            EventBridge Scheduler: <code>{eventBridgeForm(job)}</code>
          </p>
          <h2 className="small-heading">Next {FIRE_TIMES} fire times</h2>
          {job.state === 'enabled' ? (
            <FireTimes times={times} zone={zone} label="Next fire times" />
          ) : (
            <p>None while the job is {job.state}.</p>
          )}
        </article>
        <article>
          <header>Definition</header>
          <pre className="definition" tabIndex={0} aria-label="Definition">
            {JSON.stringify(definitionOf(job), null, 2)}
          </pre>
        </article>
      </div>
      <article>
        <header>Run timeline</header>
        {runs.isPending ? <Loading what="runs" /> : <RunTimeline runs={runs.data ?? []} zone={zone} />}
      </article>
      <h2>Runs</h2>
      <ProblemView error={runs.error} />
      {runs.data !== undefined && <RunsTable runs={runs.data} zoneOf={() => zone} label="Runs of this job" />}
    </section>
  );
}
