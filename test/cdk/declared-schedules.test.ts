import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { addStage, schedulesFileOf, type StageOptions } from '../../cdk/app';
import { APPLY_SCHEDULES_TIMEOUT, Sked } from '../../cdk/constructs/sked';
import { schedulesFromFile } from '../../cdk/constructs/sked-declared-schedules';
import { SkedFunction } from '../../cdk/constructs/sked-function';
import {
  DECLARED_SCHEDULES_RESOURCE_TYPE,
  declarationFromProperties,
} from '../../lib/handlers/declared-schedules-properties';
import type { DeclaredJob } from '../../lib/schemas/declarations';
import { ENV } from '../../lib/schemas/config';

/** No bundling in unit tests: the assertions are about the templates, not the bundles. */
const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'strong' };

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const JOBS: DeclaredJob[] = [
  {
    id: 'nightly-report',
    trigger: { type: 'cron', expression: '30 10 * * *', timezone: 'Asia/Shanghai' },
    target: { type: 'task', task: 'report.write', payload: { title: 'daily revenue' } },
  },
  {
    id: 'heartbeat',
    trigger: { type: 'interval', minutes: 5 },
    target: { type: 'http', url: 'https://status.example.com/ping' },
    retry: { maxAttempts: 5 },
  },
];

function synthStage(stage: string, options: StageOptions = {}) {
  const stacks = addStage(new App({ context: TEST_CONTEXT }), stage, options);
  return { stacks, stateless: Template.fromStack(stacks.stateless) };
}

const functionsOf = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function') as Resources).filter(([, fn]) =>
    String(fn.Properties.Description).startsWith('sked '),
  );

const applyFunctionOf = (template: Template) => {
  const found = functionsOf(template).filter(([, fn]) =>
    String(fn.Properties.Description).startsWith('sked apply schedules'),
  );
  expect(found).toHaveLength(1);
  const [first] = found;
  if (first === undefined) throw new Error('no apply-schedules function');
  const [id, fn] = first;
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return { id, properties: fn.Properties, variables };
};

const declaredResources = (template: Template) =>
  Object.values(template.findResources(DECLARED_SCHEDULES_RESOURCE_TYPE) as Resources);

describe('jobs declared in the Sked construct', () => {
  it('adds the apply-schedules function and its custom resource only when schedules are given', () => {
    // Act
    const without = synthStage('prod').stateless;
    const declared = synthStage('prod', { schedules: { jobs: JOBS } }).stateless;

    // Assess
    expect({ resources: declaredResources(without).length, functions: functionsOf(without).length }).toEqual({
      resources: 0,
      functions: 3,
    });
    expect({ resources: declaredResources(declared).length, functions: functionsOf(declared).length }).toEqual({
      resources: 1,
      functions: 4,
    });
  });

  it("carries the declaration and the stack's source in its properties, with a timeout past the function's", () => {
    // Prepare
    const { stateless } = synthStage('prod', { schedules: { jobs: JOBS } });
    const applyFunction = applyFunctionOf(stateless);

    // Act
    const [resource] = declaredResources(stateless);

    // Assess
    expect(resource?.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [applyFunction.id, 'Arn'] },
      ServiceTimeout: String(APPLY_SCHEDULES_TIMEOUT.toSeconds() + 60),
      Source: 'stack Sked-prod-Stateless',
      Declaration: expect.any(String) as unknown,
    });
    expect(declarationFromProperties(resource?.Properties ?? {})).toEqual({
      source: 'stack Sked-prod-Stateless',
      declaration: { jobs: JOBS },
    });
    expect(applyFunction.properties.Timeout).toBe(APPLY_SCHEDULES_TIMEOUT.toSeconds());
  });

  it('applies after the schedule group exists and is deleted before it goes', () => {
    // Prepare
    const { stateless } = synthStage('local', { schedules: { jobs: JOBS } });
    const [groupId] = Object.keys(stateless.findResources('AWS::Scheduler::ScheduleGroup'));

    // Act
    const resources = Object.values(
      stateless.findResources(DECLARED_SCHEDULES_RESOURCE_TYPE) as Record<string, { DependsOn?: string[] }>,
    );

    // Assess
    expect(resources.map((resource) => resource.DependsOn)).toEqual([[groupId]]);
  });

  it('marks the jobs with the source given instead of the stack', () => {
    // Prepare
    const stack = new Stack(new App({ context: TEST_CONTEXT }), 'Payments');

    // Act
    new Sked(stack, 'Sked', { schedules: { source: 'payments/sked.schedules.yaml', jobs: JOBS } });

    // Assess
    Template.fromStack(stack).hasResourceProperties(DECLARED_SCHEDULES_RESOURCE_TYPE, {
      Source: 'payments/sked.schedules.yaml',
    });
  });

  it("builds the apply-schedules function on the shared Lambda defaults with the API's job configuration", () => {
    // Prepare
    const { stateless } = synthStage('prod', { schedules: { jobs: JOBS } });
    const reconcile = functionsOf(stateless).find(([, fn]) =>
      String(fn.Properties.Description).startsWith('sked reconcile'),
    );
    const reconcileVariables = (reconcile?.[1].Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;

    // Act
    const applyFunction = applyFunctionOf(stateless);

    // Assess
    expect(applyFunction.properties).toMatchObject({
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: {
        LogFormat: 'JSON',
        LogGroup: { Ref: expect.stringMatching(/ApplySchedulesFunctionLogGroup/) as unknown },
      },
    });
    expect(applyFunction.variables).toEqual({
      ...reconcileVariables,
      POWERTOOLS_SERVICE_NAME: 'sked-apply-schedules',
    });
  });

  it('turns the AWS limits guard on, and bundles it, in the local stage apply-schedules function only', () => {
    // Prepare
    const options = { schedules: { jobs: JOBS } };
    const injected = (stage: string) =>
      synthStage(stage, options)
        .stacks.stateless.node.findAll()
        .filter((construct) => construct instanceof SkedFunction && construct.node.id === 'ApplySchedulesFunction')
        .map((fn) => (fn as SkedFunction).esbuildArgs['--inject']?.length ?? 0);

    // Act
    const guard = (stage: string) =>
      applyFunctionOf(synthStage(stage, options).stateless).variables[ENV.awsLimitsGuard];

    // Assess
    expect({ prod: guard('prod'), local: guard('local') }).toEqual({ prod: undefined, local: 'on' });
    expect({ prod: injected('prod'), local: injected('local') }).toEqual({ prod: [0], local: [1] });
  });

  it('refuses at synthesis a declaration that is invalid, names an id twice, or is too large', () => {
    // Prepare
    const synth = (jobs: readonly DeclaredJob[]) => () =>
      new Sked(new Stack(new App({ context: TEST_CONTEXT }), 'S'), 'Sked', { schedules: { jobs } });
    const noise = (index: number) => Array.from({ length: 40 }, (_, n) => `${index}-${n}-${Math.random()}`).join();

    // Act / Assess
    expect(synth([{ ...JOBS[0], trigger: { type: 'cron', expression: '' } } as DeclaredJob])).toThrow(
      /invalid declared schedules in S\/Sked\/DeclaredSchedules: jobs\.0\.trigger\.expression/,
    );
    expect(synth([JOBS[0] as DeclaredJob, JOBS[0] as DeclaredJob])).toThrow('declared twice: nightly-report');
    const many = Array.from({ length: 200 }, (_, index) => ({
      ...(JOBS[0] as DeclaredJob),
      id: `job-${index}`,
      description: noise(index).slice(0, 1000),
    }));
    expect(synth(many)).toThrow(/200 jobs.*over the 65536 a custom resource can carry/);
  });

  it('reads a declaration file at synthesis and names the file and the field of an invalid one', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'sked-schedules-'));
    const good = join(dir, 'sked.schedules.yaml');
    writeFileSync(
      good,
      [
        'jobs:',
        '  - id: heartbeat',
        '    trigger: { type: interval, minutes: 5 }',
        "    target: { type: http, url: 'https://status.example.com/ping' }",
        '    retry: { maxAttempts: 5 }',
      ].join('\n'),
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'jobs:\n  - id: heartbeat\n    trigger: { type: hourly }\n');

    // Act
    const schedules = schedulesFromFile(good, { source: 'sked.schedules.yaml' });

    // Assess
    expect(schedules).toEqual({ source: 'sked.schedules.yaml', jobs: [JOBS[1]] });
    expect(() => schedulesFromFile(bad)).toThrow(`invalid declared schedules in ${bad}: jobs.0.trigger`);
    expect(() => schedulesFromFile(join(dir, 'missing.yaml'))).toThrow(/cannot read the declared schedules/);
  });

  it('takes the declaration file of a stage from the schedulesFile context: a path, or one per stage', () => {
    // Act / Assess
    expect(schedulesFileOf(undefined, 'local')).toBeUndefined();
    expect(schedulesFileOf('', 'local')).toBeUndefined();
    expect(schedulesFileOf('sked.schedules.yaml', 'local')).toBe(resolve('sked.schedules.yaml'));
    expect(schedulesFileOf({ local: 'local.yaml', prod: '/srv/prod.yaml' }, 'prod')).toBe('/srv/prod.yaml');
    // Exact stage names only: a throwaway copy of a stage does not inherit its jobs.
    expect(schedulesFileOf({ local: 'local.yaml' }, 'local-e2e1234')).toBeUndefined();
    expect(() => schedulesFileOf(['a.yaml'], 'local')).toThrow(/must be a path or an object from stage names/);
  });
});
