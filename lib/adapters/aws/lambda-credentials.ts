import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias, see
 * cdk/constructs/sked-function.ts). Lambda always hands a function its execution role's credentials in
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, so the SDK's full default chain (SSO, shared
 * files, process, web identity, instance metadata, with the STS and SSO clients they pull in) is dead weight there:
 * about 100 KB of every bundle. Same export name and shape as the module it replaces.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
