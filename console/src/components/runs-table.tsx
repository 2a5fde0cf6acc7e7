import { Link } from 'wouter';
import type { Run } from '../api';
import { formatDuration, startLagMs, wallTime } from '../format';
import { StatusBadge } from './status';

export interface RunsTableProps {
  readonly runs: readonly Run[];
  /** The zone each run's scheduled time is shown in. */
  readonly zoneOf: (run: Run) => string;
  /** Show the job column (the runs page lists runs of every job). */
  readonly withJob?: boolean;
  readonly label: string;
}

export function RunsTable({ runs, zoneOf, withJob = false, label }: RunsTableProps) {
  if (runs.length === 0) return <p>No runs.</p>;
  return (
    <div className="overflow-auto">
      <table className="striped runs" aria-label={label}>
        <thead>
          <tr>
            {withJob && <th scope="col">job</th>}
            <th scope="col">run</th>
            <th scope="col">scheduled</th>
            <th scope="col">status</th>
            <th scope="col">attempts</th>
            <th scope="col">start lag</th>
            <th scope="col">duration</th>
            <th scope="col">error / reason</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const lag = startLagMs(run);
            const zone = zoneOf(run);
            return (
              <tr key={`${run.jobId}/${run.runId}`} data-run-id={run.runId}>
                {withJob && (
                  <td>
                    <Link href={`/jobs/${encodeURIComponent(run.jobId)}`}>{run.jobId}</Link>
                  </td>
                )}
                <td>
                  <code>{run.runId}</code>
                  {run.kind === 'manual' && <small> (run now)</small>}
                </td>
                <td title={`${zone}; UTC ${run.scheduledTime}`}>{wallTime(run.scheduledTime, zone)}</td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>{run.attempts}</td>
                <td>{lag !== undefined ? formatDuration(lag) : ''}</td>
                <td>{run.durationMs !== undefined ? formatDuration(run.durationMs) : ''}</td>
                <td className="run-error">
                  {run.error !== undefined ? (
                    <>
                      <code>{run.error.category}</code> {run.error.class}: {run.error.message}
                    </>
                  ) : (
                    (run.reason ?? '')
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
