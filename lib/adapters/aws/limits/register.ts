/**
 * Makes the AWS limits guard available to the composition roots, which attach it to every client they build when
 * SKED_AWS_LIMITS_GUARD=on. Production bundles leave this module out; the local stage's bundles inject it
 * (SkedFunction's `awsLimitsGuard`), and loading the guard's index loads it too. It exports nothing: esbuild would
 * otherwise substitute an injected file's exports for global names of the bundle.
 */
import { AWS_LIMITS_GUARD_HOOK, registerClientHook } from '../client-hooks';
import { attachAwsLimits } from './aws-limits-middleware';

registerClientHook(AWS_LIMITS_GUARD_HOOK, (client) => attachAwsLimits(client));
