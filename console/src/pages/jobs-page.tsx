import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, type Job } from '../api';
import { OutcomeStrip } from '../components/outcome-strip';
import { Loading, ProblemView, StatusBadge } from '../components/status';
import { eventBridgeForm, nextRunOf, triggerInWords, viewerZone, wallTime, zoneOf } from '../format';

const PAGE = 50;
const STATES = ['enabled', 'paused', 'completed'] as const;

function JobRow({ job, now }: { job: Job; now: Date }) {
  const zone = zoneOf(job);
  const mine = viewerZone();
  const next = nextRunOf(job, now);
  return (
    <tr data-job-id={job.id}>
      <th scope="row">
        <Link href={`/jobs/${encodeURIComponent(job.id)}`}>{job.id}</Link>
        <br />
        <small>
          {job.group}
          {job.tags.length > 0 && ` · ${job.tags.join(', ')}`}
        </small>
      </th>
      <td>
        <StatusBadge
          status={job.state}
          title={
            job.paused !== undefined
              ? `paused by ${job.paused.by}${job.paused.reason !== undefined ? `: ${job.paused.reason}` : ''}`
              : undefined
          }
        />
        {job.paused?.reason !== undefined && (
          <>
            <br />
            <small>{job.paused.reason}</small>
          </>
        )}
      </td>
      <td>
        {triggerInWords(job.trigger)}
        <br />
        <code className="expression">{eventBridgeForm(job, now)}</code>
      </td>
      <td>
        {next !== undefined ? (
          <>
            {wallTime(next, zone)} <small>{zone}</small>
            {mine !== zone && (
              <>
                <br />
                {wallTime(next, mine)} <small>yours</small>
              </>
            )}
          </>
        ) : (
          <small>none</small>
        )}
      </td>
      <td>
        <OutcomeStrip jobId={job.id} zone={zone} />
      </td>
    </tr>
  );
}

/** Every job, filtered by group, tag and state on the API's side and searched by id here. */
export function JobsPage() {
  const [group, setGroup] = useState('');
  const [tag, setTag] = useState('');
  const [state, setState] = useState('');
  const [search, setSearch] = useState('');
  const [shown, setShown] = useState(PAGE);
  const searchBox = useRef<HTMLInputElement>(null);

  const jobs = useQuery({
    queryKey: ['jobs', group, tag, state],
    queryFn: () => api.listJobs({ group, tag, state }),
  });

  // `/` jumps to the search box, as on most consoles.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === '/' && !typing) {
        event.preventDefault();
        searchBox.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const matching = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (jobs.data ?? []).filter((job) => needle === '' || job.id.toLowerCase().includes(needle));
  }, [jobs.data, search]);
  const groups = useMemo(() => [...new Set((jobs.data ?? []).map((job) => job.group))].sort(), [jobs.data]);
  const tags = useMemo(() => [...new Set((jobs.data ?? []).flatMap((job) => job.tags))].sort(), [jobs.data]);
  const now = new Date(jobs.dataUpdatedAt || Date.now());

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search by id <kbd>/</kbd>
          <input
            ref={searchBox}
            type="search"
            name="search"
            value={search}
            placeholder="nightly-report"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <label>
          Group
          <input
            name="group"
            list="groups"
            value={group}
            placeholder="any"
            onChange={(event) => setGroup(event.target.value)}
          />
          <datalist id="groups">
            {groups.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <label>
          Tag
          <input
            name="tag"
            list="tags"
            value={tag}
            placeholder="any"
            onChange={(event) => setTag(event.target.value)}
          />
          <datalist id="tags">
            {tags.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </label>
        <label>
          State
          <select name="state" value={state} onChange={(event) => setState(event.target.value)}>
            <option value="">any</option>
            {STATES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ProblemView error={jobs.error} />
      {jobs.isPending ? (
        <Loading what="jobs" />
      ) : (
        <>
          <p aria-live="polite">
            {matching.length} of {jobs.data?.length ?? 0} jobs
          </p>
          <div className="overflow-auto">
            <table className="striped jobs" aria-label="Jobs">
              <thead>
                <tr>
                  <th scope="col">job</th>
                  <th scope="col">state</th>
                  <th scope="col">trigger</th>
                  <th scope="col">next run</th>
                  <th scope="col">last outcomes</th>
                </tr>
              </thead>
              <tbody>
                {matching.slice(0, shown).map((job) => (
                  <JobRow key={job.id} job={job} now={now} />
                ))}
              </tbody>
            </table>
          </div>
          {matching.length > shown && (
            <button type="button" className="secondary" onClick={() => setShown(shown + PAGE)}>
              Show {Math.min(PAGE, matching.length - shown)} more
            </button>
          )}
        </>
      )}
    </section>
  );
}
