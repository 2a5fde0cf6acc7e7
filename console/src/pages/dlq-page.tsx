import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, type DeadLetter, type PurgeResult, type RedriveResult } from '../api';
import { Loading, ProblemView } from '../components/status';
import { viewerZone, wallTime } from '../format';

function Outcome({
  result,
}: {
  result: { kind: 'redrive'; value: RedriveResult } | { kind: 'purge'; value: PurgeResult };
}) {
  const { failed, notFound, remaining } = result.value;
  const done =
    result.kind === 'purge'
      ? `Purged ${result.value.deleted.length}`
      : `Redrove ${result.value.moved.length}` +
        (result.value.skippedStale.length > 0
          ? `; left ${result.value.skippedStale.length} stale (a redrive would not run them)`
          : '');
  return (
    <div role="status">
      <p>
        {done}
        {(notFound?.length ?? 0) > 0 && `; ${notFound?.length} no longer in the DLQ (already moved or deleted)`}
        {remaining > 0 && `; ${remaining} more matched: choose them again`}.
      </p>
      {failed.length > 0 && (
        <ul>
          {failed.map((item) => (
            <li key={item.messageId}>
              <code>{item.messageId}</code>: {item.error}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function DeadLetterRow({
  item,
  chosen,
  onToggle,
}: {
  item: DeadLetter;
  chosen: boolean;
  onToggle: (id: string) => void;
}) {
  const mine = viewerZone();
  return (
    <tr data-message-id={item.messageId}>
      <td>
        <input
          type="checkbox"
          checked={chosen}
          aria-label={`Choose message ${item.messageId}${item.jobId !== undefined ? ` of ${item.jobId}` : ''}`}
          onChange={() => onToggle(item.messageId)}
        />
      </td>
      <td>{item.queue}</td>
      <td>
        {item.jobId !== undefined ? <Link href={`/jobs/${encodeURIComponent(item.jobId)}`}>{item.jobId}</Link> : '—'}
        {item.runId !== undefined && (
          <>
            <br />
            <code>{item.runId}</code>
          </>
        )}
      </td>
      <td>
        {item.reason}
        {item.detail !== undefined && (
          <>
            <br />
            <small>{item.detail}</small>
          </>
        )}
      </td>
      <td className="run-error">
        {item.error !== undefined ? (
          <>
            <code>{item.errorCategory ?? ''}</code> {item.error.class}: {item.error.message}
          </>
        ) : (
          ''
        )}
      </td>
      <td>
        {item.stale ? (
          <span className="badge badge-skipped" title={item.staleReason}>
            stale{item.staleReason !== undefined && `: ${item.staleReason}`}
          </span>
        ) : (
          <span className="badge badge-missed">redrivable</span>
        )}
      </td>
      <td>{item.attempts ?? ''}</td>
      <td title={item.sentAt}>{wallTime(item.sentAt, mine)}</td>
    </tr>
  );
}

/** What the DLQs hold, with errors and staleness; chosen messages are redriven or purged. */
export function DlqPage() {
  const queries = useQueryClient();
  // No refresh in the background: a listing hides the messages for its few seconds, and a redrive or purge clicked
  // meanwhile would miss them.
  const list = useQuery({ queryKey: ['dlq'], queryFn: () => api.listDeadLetters(), refetchInterval: false });
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [includeStale, setIncludeStale] = useState(false);
  const items = list.data?.items ?? [];
  // Only what the listing shows counts as chosen: a message gone from it is not redriven or purged unseen.
  const chosenIds = items.filter((item) => chosen.has(item.messageId)).map((item) => item.messageId);
  const [outcome, setOutcome] = useState<Parameters<typeof Outcome>[0]['result'] | undefined>();
  const confirmPurge = useRef<HTMLDialogElement>(null);

  const settle = async () => {
    setChosen(new Set());
    await queries.invalidateQueries({ queryKey: ['dlq'] });
    await queries.invalidateQueries({ queryKey: ['runs'] });
  };
  const redrive = useMutation({
    mutationFn: () => api.redrive(chosenIds, includeStale),
    onSuccess: async (value) => {
      setOutcome({ kind: 'redrive', value });
      await settle();
    },
  });
  const purge = useMutation({
    mutationFn: () => api.purge(chosenIds),
    onSuccess: async (value) => {
      confirmPurge.current?.close();
      setOutcome({ kind: 'purge', value });
      await settle();
    },
  });

  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setChosen(next);
  };

  return (
    <section aria-labelledby="dlq-title">
      <h1 id="dlq-title">Dead-letter queues</h1>
      <p>
        The jobs DLQ holds runs that failed every attempt; the delivery DLQ holds what EventBridge Scheduler could not
        deliver. A stale message would not run again: its run has since succeeded or been redriven, has an outcome the
        copy cannot change, or its job is gone. Listing consumes nothing.
      </p>
      <ProblemView error={list.error ?? redrive.error} />
      {outcome !== undefined && <Outcome result={outcome} />}
      {list.isPending ? (
        <Loading what="the DLQs" />
      ) : (
        <>
          <p aria-live="polite">
            {items.length === 1 ? '1 message' : `${items.length} messages`}
            {list.data?.truncated === true && ' (more than listed: redrive or purge these, then list again)'}
          </p>
          <div className="actions">
            <button
              type="button"
              disabled={chosenIds.length === 0 || redrive.isPending || purge.isPending}
              aria-busy={redrive.isPending}
              onClick={() => redrive.mutate()}
            >
              Redrive {chosenIds.length} chosen
            </button>
            <label className="inline">
              <input type="checkbox" checked={includeStale} onChange={() => setIncludeStale(!includeStale)} /> stale
              ones too
            </label>
            <button
              type="button"
              className="secondary"
              disabled={chosenIds.length === 0 || redrive.isPending || purge.isPending}
              onClick={() => confirmPurge.current?.showModal()}
            >
              Purge {chosenIds.length} chosen…
            </button>
          </div>
          {items.length === 0 ? (
            <p>Both DLQs are empty.</p>
          ) : (
            <div className="overflow-auto">
              <table className="striped dlq" aria-label="Dead letters">
                <thead>
                  <tr>
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Choose every message"
                        checked={chosen.size === items.length}
                        onChange={() =>
                          setChosen(
                            chosen.size === items.length ? new Set() : new Set(items.map((item) => item.messageId)),
                          )
                        }
                      />
                    </th>
                    <th scope="col">queue</th>
                    <th scope="col">job / run</th>
                    <th scope="col">why</th>
                    <th scope="col">last error</th>
                    <th scope="col">stale?</th>
                    <th scope="col">attempts</th>
                    <th scope="col">sent (yours)</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <DeadLetterRow
                      key={item.messageId}
                      item={item}
                      chosen={chosen.has(item.messageId)}
                      onToggle={toggle}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <dialog ref={confirmPurge} aria-labelledby="purge-title">
        <article>
          <h2 id="purge-title">Purge {chosenIds.length} messages?</h2>
          <p>They are deleted from the DLQ for good; their runs are not run again.</p>
          <ProblemView error={purge.error} />
          <footer className="actions">
            <button type="button" aria-busy={purge.isPending} disabled={purge.isPending} onClick={() => purge.mutate()}>
              Purge
            </button>
            <button type="button" className="secondary" onClick={() => confirmPurge.current?.close()}>
              Cancel
            </button>
          </footer>
        </article>
      </dialog>
    </section>
  );
}
