import { useMemo } from 'react';
import { fireTimeRows, viewerZone, wallTime } from '../format';

/** Fire times in the job's zone and the viewer's, with a note on each clock change between them. */
export function FireTimes({ times, zone, label }: { times: readonly Date[]; zone: string; label: string }) {
  const mine = viewerZone();
  const rows = useMemo(() => fireTimeRows(times, zone), [times, zone]);
  const showMine = mine !== zone;
  const showUtc = zone !== 'UTC' && mine !== 'UTC';
  const columns = 2 + (showMine ? 1 : 0) + (showUtc ? 1 : 0);
  if (rows.length === 0) return <p>No fire times.</p>;
  return (
    <table className="striped fire-times" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">{zone}</th>
          {showMine && <th scope="col">yours ({mine})</th>}
          {showUtc && <th scope="col">UTC</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) =>
          row.kind === 'fire' ? (
            <tr key={`fire-${row.at.toISOString()}`}>
              <td>{rows.slice(0, index + 1).filter((candidate) => candidate.kind === 'fire').length}</td>
              <td>
                {wallTime(row.at, zone)}
                {row.changeDay && (
                  <span className="dst-mark" title="The clocks change on this day">
                    {' '}
                    (clocks change this day)
                  </span>
                )}
              </td>
              {showMine && <td>{wallTime(row.at, mine)}</td>}
              {showUtc && <td>{row.at.toISOString().replace('.000Z', 'Z')}</td>}
            </tr>
          ) : (
            <tr key={`change-${row.change.at.toISOString()}`} className="dst-note">
              <td colSpan={columns}>
                <small>Clock change: {row.note}</small>
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}
