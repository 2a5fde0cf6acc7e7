import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import type { LogLevel } from '../config';

/** The repository root: entries are `functions/<name>.ts` below it. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Modules swapped at bundle time: the SDK's default credential chain for the environment-only provider that Lambda
 * needs (lib/adapters/aws/lambda-credentials.ts explains why).
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': join(PROJECT_ROOT, 'lib', 'adapters', 'aws', 'lambda-credentials.ts'),
};

/**
 * The module that registers the AWS limits guard with the composition roots. Only the bundles of functions with
 * `awsLimitsGuard` inject it: production bundles leave the guard's code out.
 */
export const AWS_LIMITS_GUARD_REGISTRATION = join(PROJECT_ROOT, 'lib', 'adapters', 'aws', 'limits', 'register.ts');

/** ESM bundles still meet CommonJS dependencies that call require(); give them one. */
const REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
const MAIN_FIELDS = ['module', 'main'];

/** esbuild's `target` for the runtime below (NodejsFunction derives it from Runtime.NODEJS_24_X). */
export const BUNDLE_TARGET = 'node24';

/**
 * The esbuild options SkedFunction gives NodejsFunction for a production function (no AWS limits guard), for
 * bundling a Lambda entry the way it is deployed outside a synth (`npm run build`, the benchmarks).
 */
export function lambdaBundleOptions(entryPoint: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: MAIN_FIELDS,
    banner: { js: REQUIRE_BANNER },
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'error',
  };
}

export interface SkedFunctionProps {
  /** Entry file name below `functions/`, without extension (e.g. `worker`). */
  readonly entry: string;
  readonly description: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logLevel: LogLevel;
  readonly logRetention: RetentionDays;
  /** Of the function's log group. */
  readonly removalPolicy: RemovalPolicy;
  /** Powertools service name and metrics namespace. */
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /**
   * Bundle the AWS limits guard in (esbuild `--inject` of its registration), for SKED_AWS_LIMITS_GUARD=on: without
   * it, a function whose environment turns the guard on fails its cold start.
   * @default false
   */
  readonly awsLimitsGuard?: boolean;
}

/** The esbuild arguments SkedFunction adds to NodejsFunction's own. */
function skedEsbuildArgs(options: { readonly awsLimitsGuard: boolean }): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(Object.entries(BUNDLE_ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
    ...(options.awsLimitsGuard && { '--inject': [AWS_LIMITS_GUARD_REGISTRATION] }),
  };
}

/**
 * sked's Lambda defaults in one place: Node.js 24 on arm64, X-Ray tracing, JSON logs into a log group with a
 * retention, and an esbuild bundle (ESM, minified, source maps) that includes the AWS SDK, because the local cloud
 * runs functions with the host's node, where no SDK is provided, and a pinned SDK behaves the same everywhere.
 */
export class SkedFunction extends NodejsFunction {
  /** The esbuild arguments added to NodejsFunction's own; the template does not show them. */
  readonly esbuildArgs: Readonly<Record<string, string | string[]>>;

  constructor(scope: Construct, id: string, props: SkedFunctionProps) {
    const esbuildArgs = skedEsbuildArgs({ awsLimitsGuard: props.awsLimitsGuard ?? false });
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    super(scope, id, {
      entry: join(PROJECT_ROOT, 'functions', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: MAIN_FIELDS,
        banner: REQUIRE_BANNER,
        // Bundle everything, the AWS SDK included.
        externalModules: [],
        esbuildArgs,
      },
    });
    this.esbuildArgs = esbuildArgs;
  }
}
