import { ensureLocalCloud, localAwsEnv } from '../../scripts/local-cloud';

/** Vitest global setup for the layers that talk to the local cloud: reuse or start it, stop it if we started it. */
export default async function setup(): Promise<() => Promise<void>> {
  const cloud = await ensureLocalCloud();
  Object.assign(process.env, localAwsEnv(cloud.endpoint));
  return () => cloud.stop();
}
