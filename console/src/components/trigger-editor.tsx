import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ApiProblemError, type Job, type JobDetail } from '../api';
import { triggerInWords, zoneOf } from '../format';
import { FireTimes } from './fire-times';
import { ProblemView } from './status';

const PREVIEW_COUNT = 10;
const PREVIEW_DELAY_MS = 300;

/** The text typed, as a trigger to send: JSON, or undefined with why it is not. */
function readTrigger(text: string): { trigger?: unknown; problem?: string } {
  try {
    return { trigger: JSON.parse(text) as unknown };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : 'not JSON' };
  }
}

function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

export interface TriggerEditorProps {
  readonly job: JobDetail;
  /** The ETag of the job as it was when the editor opened: the save is refused if the job changed since. */
  readonly etag: string | undefined;
  readonly onClose: () => void;
  /** Called with the job as saved. */
  readonly onSaved: (job: Job) => void;
  /** Reads the job again and carries its new ETag into the editor. */
  readonly onReload: () => Promise<void>;
}

/**
 * Edits a job's trigger as JSON with a live preview of its next fire times (the API's own reading, refusals
 * included), and saves it with the ETag the job was read at, so that a change made meanwhile is not overwritten.
 */
export function TriggerEditor({ job, etag, onClose, onSaved, onReload }: TriggerEditorProps) {
  const queries = useQueryClient();
  const [text, setText] = useState(() => JSON.stringify(job.trigger, null, 2));
  const settled = useDebounced(text, PREVIEW_DELAY_MS);
  const typed = readTrigger(settled);

  const preview = useQuery({
    queryKey: ['preview', settled, job.startAt, job.endAt],
    queryFn: () =>
      api.preview({
        trigger: typed.trigger,
        count: PREVIEW_COUNT,
        ...(job.startAt !== undefined && { startAt: job.startAt }),
        ...(job.endAt !== undefined && { endAt: job.endAt }),
      }),
    enabled: typed.trigger !== undefined,
    refetchInterval: false,
    retry: false,
  });

  const save = useMutation({
    mutationFn: () => {
      const current = readTrigger(text);
      if (current.trigger === undefined) throw new Error(`The trigger is not JSON: ${current.problem ?? ''}`);
      return api.setTrigger(job.id, current.trigger, etag);
    },
    onSuccess: async (saved) => {
      await queries.invalidateQueries({ queryKey: ['job', job.id] });
      onSaved(saved);
    },
  });
  const stale = save.error instanceof ApiProblemError && save.error.isStale;
  const [reloadError, setReloadError] = useState<unknown>();

  const previewZone = preview.data?.triggerTimezone ?? preview.data?.timezone ?? zoneOf(job);
  return (
    <section className="trigger-editor" aria-labelledby="edit-trigger-title">
      <h2 id="edit-trigger-title">Edit the trigger</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <label>
          Trigger (JSON)
          <textarea
            name="trigger"
            rows={8}
            spellCheck={false}
            value={text}
            aria-describedby="trigger-help"
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        <small id="trigger-help">
          e.g. {'{"type":"cron","expression":"0 9 * * 1-5","timezone":"Europe/Paris"}'},{' '}
          {'{"type":"interval","minutes":15}'} or {'{"type":"date","runAt":"2030-01-01T09:00:00Z"}'}
        </small>
        <div className="preview" aria-live="polite" aria-label="Preview">
          {typed.problem !== undefined ? (
            <p role="alert">Not JSON yet: {typed.problem}</p>
          ) : preview.isError ? (
            <ProblemView error={preview.error} />
          ) : preview.data !== undefined ? (
            <>
              <p>
                <strong>{triggerInWords(typed.trigger as never)}</strong> — EventBridge:{' '}
                <code>
                  {preview.data.expression} {preview.data.timezone}
                </code>{' '}
                ({preview.data.precision} precision)
              </p>
              <FireTimes
                times={preview.data.nextRuns.map((time) => new Date(time))}
                zone={previewZone}
                label="Preview of the next fire times"
              />
            </>
          ) : (
            <p aria-busy="true">Previewing…</p>
          )}
        </div>
        {stale ? (
          <div role="alert" className="problem conflict">
            <strong>Conflict: this job changed since you opened the editor.</strong>
            <p>
              Your trigger was not saved, so the other change is not lost. Reload the job to see it; your text stays
              here to apply again.
            </p>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                onReload().then(
                  () => save.reset(),
                  (error: unknown) => setReloadError(error),
                );
              }}
            >
              Reload the job
            </button>
            <ProblemView error={reloadError} />
          </div>
        ) : (
          <ProblemView error={save.error} />
        )}
        <div className="actions">
          <button type="submit" aria-busy={save.isPending} disabled={save.isPending || typed.trigger === undefined}>
            Save trigger
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
