import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../../ports/clock';
import type { SecretSource } from '../../ports/worker-secrets';

/**
 * A Secrets Manager secret, read on first use and kept for `ttlMs` so a warm container does not call Secrets
 * Manager per run, yet picks up a rotation within minutes. `onValue` lets the logger mask the value.
 */
export class CachedSecret implements SecretSource {
  private cached: { value: string; until: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
    private readonly onValue: (value: string) => void = () => undefined,
  ) {}

  async get(): Promise<string> {
    const now = this.clock.now().getTime();
    if (this.cached !== undefined && this.cached.until > now) return this.cached.value;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (SecretString === undefined || SecretString.length === 0) {
      throw new Error(`secret ${this.secretId} has no string value`);
    }
    this.onValue(SecretString);
    this.cached = { value: SecretString, until: now + this.ttlMs };
    return SecretString;
  }
}
