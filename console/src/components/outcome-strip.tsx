import { useQuery } from '@tanstack/react-query';
import { api, type Run } from '../api';
import { wallTime } from '../format';

const STRIP_LENGTH = 10;

/** The last outcomes of a job, oldest to newest, one square each. */
export function OutcomeStrip({ jobId, zone }: { jobId: string; zone: string }) {
  const runs = useQuery({
    queryKey: ['runs', jobId, 'strip'],
    queryFn: () => api.listRuns(jobId, { limit: STRIP_LENGTH }),
  });
  if (runs.isPending) return <span className="strip strip-empty">…</span>;
  if (runs.isError) return <span className="strip strip-empty">runs unreadable</span>;
  const shown: Run[] = [...runs.data].reverse();
  if (shown.length === 0) return <span className="strip strip-empty">no runs yet</span>;
  const counts = shown.reduce<Record<string, number>>((tally, run) => {
    tally[run.status] = (tally[run.status] ?? 0) + 1;
    return tally;
  }, {});
  const summary = Object.entries(counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  return (
    <span className="strip" role="img" aria-label={`Last ${shown.length} runs: ${summary}`}>
      {shown.map((run) => (
        <span
          key={run.runId}
          className={`cell cell-${run.status}`}
          title={`${wallTime(run.scheduledTime, zone)} ${run.status}${run.error !== undefined ? `: ${run.error.message}` : ''}`}
        />
      ))}
    </span>
  );
}
