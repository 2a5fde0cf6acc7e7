/** The webhook signing secret (Secrets Manager), cached by the adapter. */
export interface SecretSource {
  get(): Promise<string>;
}
