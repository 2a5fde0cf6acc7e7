import type { ReactNode } from 'react';
import { ApiProblemError } from '../api';

/** A run status or job state as a coloured word (the colour is never the only cue: the word is there too). */
export function StatusBadge({ status, title }: { status: string; title?: string | undefined }) {
  return (
    <span className={`badge badge-${status}`} title={title}>
      {status}
    </span>
  );
}

/** A failed call as the API described it: status, what was refused, and each field with what was wrong. */
export function ProblemView({ error, children }: { error: unknown; children?: ReactNode }) {
  if (error === null || error === undefined) return null;
  if (error instanceof ApiProblemError) {
    return (
      <div role="alert" className="problem">
        <strong>
          {error.status} {error.title}
        </strong>
        {error.detail !== '' && error.detail !== error.title && <p>{error.detail}</p>}
        {error.issues.length > 0 && (
          <ul>
            {error.issues.map((issue) => (
              <li key={`${issue.path}:${issue.message}`}>
                <code>{issue.path}</code>: {issue.message}
              </li>
            ))}
          </ul>
        )}
        {children}
      </div>
    );
  }
  return (
    <div role="alert" className="problem">
      <strong>{error instanceof Error ? error.message : JSON.stringify(error)}</strong>
      {children}
    </div>
  );
}

/** A loading line that screen readers announce. */
export function Loading({ what }: { what: string }) {
  return <p aria-busy="true">Loading {what}…</p>;
}
