/**
 * A local HTTP proxy that signs what it forwards: a client that cannot sign with AWS Signature Version 4 (a fuzzer, a
 * browser page) talks plain HTTP to 127.0.0.1, and every request goes on to an IAM-authorised API signed with the
 * proxy's credentials. Listens on the loopback interface only, so nothing off the machine can borrow them.
 *
 *   const proxy = await startSigningProxy({ target: apiBaseUrl, region, service: 'execute-api', credentials });
 *   // GET `${proxy.url}/jobs` is GET `${apiBaseUrl}/jobs`, signed
 *   await proxy.close();
 */
import { createServer } from 'node:http';
import { signingForwarder } from '../../lib/adapters/aws/signing-forwarder';
import { sigV4RequestSigner, type SigV4SignerOptions } from '../../lib/adapters/aws/sigv4-request-signer';
import { listenOnLoopback } from '../../lib/adapters/http/loopback-server';

export { upstreamUrl } from '../../lib/adapters/http/forwarding';

export interface SigningProxyOptions extends SigV4SignerOptions {
  /** Base URL requests are forwarded under, e.g. `https://<id>.execute-api.<region>.amazonaws.com/<stage>`. */
  readonly target: string;
  /** Port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** How long one forwarded request may take before the proxy answers 504. @default 30_000 */
  readonly upstreamTimeoutMs?: number;
}

export interface SigningProxy {
  /** `http://127.0.0.1:<port>`: the target's base URL, unsigned. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startSigningProxy(options: SigningProxyOptions): Promise<SigningProxy> {
  const forward = signingForwarder({
    baseUrl: options.target,
    authenticate: sigV4RequestSigner(options),
    name: 'signing proxy',
    ...(options.upstreamTimeoutMs !== undefined && { upstreamTimeoutMs: options.upstreamTimeoutMs }),
  });

  const server = createServer((request, response) => void forward(request, response, request.url ?? '/'));
  const listener = await listenOnLoopback(server, options.port ?? 0, 'signing proxy');
  return { url: `http://127.0.0.1:${listener.port}`, close: listener.close };
}
