/**
 * Runs only the deployed throughput measurement and prints its result:
 * `scripts/node22 tsx bench/deployed/try.ts [occurrences]` (default 200).
 */
import { ensureLocalCloud, localAwsEnv } from '../../scripts/local-cloud';
import { measureDeployedThroughput } from '../sections/deployed-throughput';
import { cloudClients } from '../support/clients';
import { CloudResources } from '../support/cloud-resources';

const log = (message: string) => process.stderr.write(`${message}\n`);
const cloud = await ensureLocalCloud();
Object.assign(process.env, localAwsEnv(cloud.endpoint));
const admin = cloudClients(cloud.endpoint);
const scopes: CloudResources[] = [];
try {
  const result = await measureDeployedThroughput(
    cloud.endpoint,
    admin,
    () => {
      const scope = new CloudResources(admin.dynamodb, admin.sqs, admin.eventbridge);
      scopes.push(scope);
      return scope;
    },
    { occurrences: Number(process.argv[2] ?? 200), duplicateShare: 0.05, repetitions: 1, timeoutMs: 360_000, log },
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const scope of scopes) await scope.dispose();
  await cloud.stop();
}
