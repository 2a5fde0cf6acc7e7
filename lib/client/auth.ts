import {
  defaultCredentialChain,
  sigV4RequestSigner,
  type AwsCredentials,
  type AwsCredentialsProvider,
  type RequestToSign,
} from '../adapters/aws/sigv4-request-signer';

export type { AwsCredentials, AwsCredentialsProvider } from '../adapters/aws/sigv4-request-signer';

/**
 * How the client authenticates. `iam` (the default) signs every request with SigV4 for execute-api, with the
 * standard AWS credential chain unless credentials are given (e.g. `{ accessKeyId: 'test', secretAccessKey: 'test' }`
 * for the local emulator). `jwt` sends a Cognito ID or access token for a stage configured with a user pool
 * authorizer, in the Authorization header as the token itself (what a REST API's Cognito authorizer reads); a
 * provider is asked before each request, so that it can refresh the token.
 */
export type SkedAuth =
  | { readonly kind: 'iam'; readonly credentials?: AwsCredentials | AwsCredentialsProvider }
  | { readonly kind: 'jwt'; readonly token: string | (() => string | Promise<string>) };

/** Adds the authentication headers to a request about to be sent. */
export type Authenticate = (request: RequestToSign) => Promise<Record<string, string>>;

/** `https://<api>.execute-api.<region>.amazonaws.com/...` names its region. */
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** The signing region: the option, else the one an execute-api host names, else AWS_REGION / AWS_DEFAULT_REGION. */
export function signingRegionOf(baseUrl: URL, region: string | undefined): string {
  if (region !== undefined && region !== '') return region;
  const fromHost = EXECUTE_API_HOST.exec(baseUrl.hostname)?.[1];
  if (fromHost !== undefined) return fromHost;
  const fromEnv = [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION].find(
    (value) => value !== undefined && value !== '',
  );
  if (fromEnv !== undefined) return fromEnv;
  throw new Error('createSkedClient: SigV4 needs a region: pass options.region or set AWS_REGION');
}

export function authenticator(auth: SkedAuth, baseUrl: URL, region: string | undefined): Authenticate {
  if (auth.kind === 'jwt') {
    const { token } = auth;
    return async (request) => {
      const value = typeof token === 'string' ? token : await token();
      return { ...request.headers, authorization: value };
    };
  }
  return sigV4RequestSigner({
    region: signingRegionOf(baseUrl, region),
    service: 'execute-api',
    credentials: auth.credentials ?? defaultCredentialChain(),
  });
}
