import { withAwsLimits, type GuardableClient } from '../../lib/adapters/aws/limits';

/**
 * SDK clients for the local cloud. Every client the tests, the e2e suite, the bench and the scripts build comes
 * from here, with the AWS limits guard attached, so a call AWS would refuse fails on the emulator too (it accepts
 * many of them). Only a test that shows the emulator accepting such a call builds an unguarded client.
 *
 *   const sqs = guardedClient(SQSClient);
 *   const cloudwatch = guardedClient(CloudWatchClient, { region, endpoint });
 */
export function guardedClient<Config extends unknown[], Client extends GuardableClient>(
  ClientClass: new (...config: Config) => Client,
  ...config: Config
): Client {
  return withAwsLimits(new ClientClass(...config));
}

/** A client without the guard: only to show the local cloud accepting what AWS refuses. */
export function unguardedClient<Config extends unknown[], Client>(
  ClientClass: new (...config: Config) => Client,
  ...config: Config
): Client {
  return new ClientClass(...config);
}
