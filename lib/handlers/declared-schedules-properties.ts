import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * How the `Sked` construct's `schedules` travel from the template to the apply-schedules function: the properties of
 * its custom resource, written at synthesis (cdk/constructs/sked-declared-schedules.ts) and read by the handler
 * (apply-schedules-handler.ts). CloudFormation hands every primitive property to the function as a string, so the
 * declaration is carried as one JSON string (numbers stay numbers), gzipped and base64-encoded when it is large.
 */
export const DECLARED_SCHEDULES_RESOURCE_TYPE = 'Custom::SkedDeclaredSchedules';

export const DECLARED_SCHEDULES_PROPERTY = {
  /** What the jobs are marked as declared by (`managedBy.source`). */
  source: 'Source',
  /** The declaration `{ jobs: [...] }` as JSON. */
  declaration: 'Declaration',
  /** The same, gzipped and base64-encoded, when the JSON is over PLAIN_DECLARATION_MAX_BYTES. */
  declarationGzip: 'DeclarationGzip',
} as const;

/** Up to this many bytes of JSON the declaration is carried as it is, readable in the template and in `cdk diff`. */
export const PLAIN_DECLARATION_MAX_BYTES = 16 * 1024;

/**
 * The most the declaration may take in the template once encoded. CloudFormation sends the properties (and, on an
 * update, the previous ones too) in the function's event, an asynchronous invocation of at most 256 KB, and the
 * whole template must stay within its 1 MB: 64 KiB each leaves room for both. Declared jobs compress about tenfold,
 * so this holds a few thousand jobs; more are for `sked apply`.
 */
export const MAX_DECLARATION_PROPERTY_BYTES = 64 * 1024;

/** Thrown at synthesis for a declaration too large for a custom resource. */
export class DeclarationTooLargeError extends Error {
  override readonly name = 'DeclarationTooLargeError';
  constructor(
    readonly bytes: number,
    readonly jsonBytes: number,
    readonly jobs: number,
  ) {
    super(
      `the declared schedules (${jobs} jobs, ${jsonBytes} bytes of JSON) take ${bytes} bytes in the template once ` +
        `compressed, over the ${MAX_DECLARATION_PROPERTY_BYTES} a custom resource can carry: declare fewer jobs ` +
        'in the stack, or apply the rest with `sked apply -f FILE`',
    );
  }
}

/** The custom resource's properties for a declaration; throws DeclarationTooLargeError past the limit. */
export function declarationProperties(source: string, declaration: { readonly jobs: readonly unknown[] }) {
  const json = JSON.stringify({ jobs: declaration.jobs });
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  if (jsonBytes <= PLAIN_DECLARATION_MAX_BYTES) {
    return { [DECLARED_SCHEDULES_PROPERTY.source]: source, [DECLARED_SCHEDULES_PROPERTY.declaration]: json };
  }
  const encoded = gzipSync(json, { level: 9 }).toString('base64');
  if (encoded.length > MAX_DECLARATION_PROPERTY_BYTES) {
    throw new DeclarationTooLargeError(encoded.length, jsonBytes, declaration.jobs.length);
  }
  return { [DECLARED_SCHEDULES_PROPERTY.source]: source, [DECLARED_SCHEDULES_PROPERTY.declarationGzip]: encoded };
}

/** What the properties carry: the source and the declaration as written (validated by applyDeclared). */
export function declarationFromProperties(properties: Readonly<Record<string, unknown>>): {
  source: string;
  declaration: unknown;
} {
  const source = properties[DECLARED_SCHEDULES_PROPERTY.source];
  if (typeof source !== 'string' || source === '') {
    throw new Error(`the custom resource has no ${DECLARED_SCHEDULES_PROPERTY.source} property`);
  }
  const plain = properties[DECLARED_SCHEDULES_PROPERTY.declaration];
  const gzipped = properties[DECLARED_SCHEDULES_PROPERTY.declarationGzip];
  let json: string;
  if (typeof plain === 'string') json = plain;
  else if (typeof gzipped === 'string') json = gunzipSync(Buffer.from(gzipped, 'base64')).toString('utf8');
  else {
    throw new Error(
      `the custom resource has neither a ${DECLARED_SCHEDULES_PROPERTY.declaration} nor a ` +
        `${DECLARED_SCHEDULES_PROPERTY.declarationGzip} property`,
    );
  }
  try {
    return { source, declaration: JSON.parse(json) as unknown };
  } catch (error) {
    throw new Error(`the declaration is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
