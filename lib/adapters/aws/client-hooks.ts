import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/**
 * Functions the composition roots apply to each SDK client they build, registered by modules that production
 * bundles leave out. The AWS limits guard registers itself here (limits/register.ts): the local stage's bundles
 * inject that module and every in-process use loads it, so the guard's code ships only where it runs.
 */

/** Any SDK v3 client. */
export interface SdkClient {
  readonly middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'use'>;
}

export type ClientHook = (client: SdkClient) => void;

/** The name the AWS limits guard registers under; SKED_AWS_LIMITS_GUARD=on requires it. */
export const AWS_LIMITS_GUARD_HOOK = 'aws-limits-guard';

const hooks = new Map<string, ClientHook>();

/** Registers the hook under its name, replacing one of the same name; returns its removal. */
export function registerClientHook(name: string, hook: ClientHook): () => void {
  hooks.set(name, hook);
  return () => {
    if (hooks.get(name) === hook) hooks.delete(name);
  };
}

export function hasClientHook(name: string): boolean {
  return hooks.has(name);
}

/** The client, with every registered hook applied to it. */
export function applyClientHooks<Client extends SdkClient>(client: Client): Client {
  for (const hook of hooks.values()) hook(client);
  return client;
}
