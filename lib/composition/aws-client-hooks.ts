import { applyClientHooks, AWS_LIMITS_GUARD_HOOK, hasClientHook, type SdkClient } from '../adapters/aws/client-hooks';
import { ENV } from '../schemas/config';

/**
 * What the composition roots do to each SDK client they build: with SKED_AWS_LIMITS_GUARD=on, apply the registered
 * client hooks, the AWS limits guard among them; otherwise nothing. The guard is left out of production bundles, so
 * a bundle asked for it but built without it fails its cold start here instead of running unguarded.
 */
export function awsClientHooks(awsLimitsGuard: boolean): <Client extends SdkClient>(client: Client) => Client {
  if (!awsLimitsGuard) return (client) => client;
  if (!hasClientHook(AWS_LIMITS_GUARD_HOOK)) {
    throw new Error(
      `invalid configuration: ${ENV.awsLimitsGuard} is on, but the AWS limits guard is not in this bundle ` +
        `(bundle with SkedFunction's awsLimitsGuard, or import lib/adapters/aws/limits/register)`,
    );
  }
  return applyClientHooks;
}
