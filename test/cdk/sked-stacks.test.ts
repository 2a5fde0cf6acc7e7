import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { addStage, type StageOptions } from '../../cdk/app';
import { STAGES } from '../../cdk/config';
import { Sked } from '../../cdk/constructs/sked';
import { SkedFunction } from '../../cdk/constructs/sked-function';
import { REDRIVE_MAX_RECEIVE_COUNT } from '../../cdk/constructs/sked-queues';
import { JOBS_TABLE, RUNS_TABLE } from '../../lib/adapters/aws/table-layout';
import { ENV } from '../../lib/schemas/config';
import { MAX_ATTEMPTS, jobPoliciesSchema } from '../../lib/schemas/job';

/** No bundling in unit tests: the assertions are about the templates, not the bundles. */
const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'strong' };

/** Jobs declared in code, for the stages that deploy some. */
const DECLARED: StageOptions = {
  schedules: {
    jobs: [
      {
        id: 'nightly-report',
        trigger: { type: 'cron', expression: '30 10 * * *', timezone: 'Asia/Shanghai' },
        target: { type: 'task', task: 'report.write', payload: { title: 'daily revenue' } },
      },
    ],
  },
};

function synthStage(stage: string, options: StageOptions = {}) {
  const app = new App({ context: TEST_CONTEXT });
  const stacks = addStage(app, stage, options);
  return {
    app,
    stateful: Template.fromStack(stacks.stateful),
    stateless: Template.fromStack(stacks.stateless),
  };
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found).toHaveLength(1);
  return found[0] ?? '';
}

function queueIds(template: Template) {
  const queues = template.findResources('AWS::SQS::Queue') as Resources;
  const byPath = (fragment: string) => {
    const id = Object.keys(queues).find((logicalId) => logicalId.includes(fragment));
    if (id === undefined) throw new Error(`no queue with ${fragment} in its logical id`);
    return id;
  };
  return { jobsQueue: byPath('JobsQueue'), jobsDlq: byPath('JobsDlq'), deliveryDlq: byPath('DeliveryDlq'), queues };
}

function policiesOfRole(template: Template, roleId: string) {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  }) as Resources;
  return Object.values(policies).flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
  );
}

function functionRoleId(template: Template, entryDescription: RegExp): string {
  const functions = template.findResources('AWS::Lambda::Function') as Resources;
  const fn = Object.values(functions).find((candidate) =>
    entryDescription.test(String(candidate.Properties.Description)),
  );
  const role = fn?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  if (role === undefined) throw new Error(`no function described ${entryDescription}`);
  return role['Fn::GetAtt'][0];
}

/** A readable key for a policy resource: which of sked's resources it is, or a queue's logical id. */
function resourceKey(resource: unknown): string {
  const text = JSON.stringify(resource);
  if (resource === '*') return '*';
  if (text.includes(':schedule/')) return 'schedules';
  if (text.includes('SchedulerExecutionRole')) return 'schedulerRole';
  if (text.includes('WebhookSigningSecret')) return 'webhookSecret';
  if (text.includes('EventBus')) return 'eventBus';
  if (text.includes('RunsTable')) return 'runsTable';
  if (text.includes('JobsTable'))
    return text.includes('/index/') ? `jobsTable${/\/index\/\w+/.exec(text)?.[0] ?? ''}` : 'jobsTable';
  const queue = /"Fn::GetAtt":\["(\w+)","Arn"\]/.exec(text)?.[1];
  return queue ?? text;
}

/** The alarms the README runbook has a section for, by name. */
const RUNBOOK_ALARMS = [
  'JobsDlqDepth',
  'DeliveryDlqDepth',
  'QueueAge',
  'WorkerErrors',
  'WorkerThrottles',
  'RunsFailed',
  'RunsMissed',
  'SchedulerTargetErrors',
  'SchedulerDropped',
  'TicksLate',
  'OccurrencesNotEnqueued',
  'Api5xx',
  'ReconcileErrors',
];

describe('the sked stacks', () => {
  const prod = synthStage('prod');

  it('lets the scheduler role do exactly sqs:SendMessage on the jobs queue and the delivery DLQ', () => {
    // Prepare
    const { stateless } = prod;
    const { jobsQueue, deliveryDlq } = queueIds(stateless);

    // Act
    const roleId = logicalIdOf(stateless, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      }),
    });
    const statements = policiesOfRole(stateless, roleId);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: [{ 'Fn::GetAtt': [jobsQueue, 'Arn'] }, { 'Fn::GetAtt': [deliveryDlq, 'Arn'] }],
      },
    ]);
    const role = (stateless.findResources('AWS::IAM::Role') as Resources)[roleId];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
  });

  it('links the jobs queue to its DLQ with a maxReceiveCount above the largest maxAttempts', () => {
    // Prepare
    const { stateless } = prod;
    const { jobsQueue, jobsDlq, deliveryDlq, queues } = queueIds(stateless);

    // Act
    const redrive = queues[jobsQueue]?.Properties.RedrivePolicy as {
      maxReceiveCount: number;
      deadLetterTargetArn: unknown;
    };

    // Assess
    expect(redrive.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [jobsDlq, 'Arn'] });
    expect(redrive.maxReceiveCount).toBe(REDRIVE_MAX_RECEIVE_COUNT);
    expect(redrive.maxReceiveCount).toBeGreaterThan(MAX_ATTEMPTS);
    const retention = (id: string) => Number(queues[id]?.Properties.MessageRetentionPeriod);
    expect(retention(jobsDlq)).toBeGreaterThan(retention(jobsQueue));
    expect(retention(deliveryDlq)).toBe(14 * 24 * 3600);
  });

  it('sets the visibility timeout of the jobs queue to at least six times the worker timeout', () => {
    // Prepare
    const { stateless } = prod;
    const { jobsQueue, queues } = queueIds(stateless);

    // Act
    const functions = stateless.findResources('AWS::Lambda::Function') as Resources;
    const worker = Object.values(functions).find((fn) => String(fn.Properties.Description).startsWith('sked worker'));
    const visibility = Number(queues[jobsQueue]?.Properties.VisibilityTimeout);

    // Assess
    expect(worker?.Properties.Timeout).toBe(STAGES.prod.worker.timeout.toSeconds());
    expect(visibility).toBeGreaterThanOrEqual(6 * Number(worker?.Properties.Timeout));
  });

  it('consumes the jobs queue with partial batch responses and a maximum concurrency', () => {
    // Prepare
    const { stateless } = prod;
    const { jobsQueue } = queueIds(stateless);

    // Act, Assess
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [jobsQueue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: STAGES.prod.worker.maxConcurrency },
    });
  });

  it('encrypts the tables, queues and topics and keeps point-in-time recovery on', () => {
    // Prepare
    const { stateful, stateless } = prod;

    // Act
    const tables = Object.values(stateful.findResources('AWS::DynamoDB::Table') as Resources);
    const queues = Object.values(stateless.findResources('AWS::SQS::Queue') as Resources);
    const topics = Object.values(stateless.findResources('AWS::SNS::Topic') as Resources);

    // Assess
    expect(tables).toHaveLength(2);
    for (const table of tables) {
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(topics).toHaveLength(2);
    for (const topic of topics)
      expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    stateless.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]),
      }),
    });
  });

  it('lays out the tables as the adapters expect, with TTL on the run ledger', () => {
    // Prepare
    const { stateful } = prod;

    // Act, Assess
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: JOBS_TABLE.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: JOBS_TABLE.listIndex.name,
          KeySchema: [
            { AttributeName: JOBS_TABLE.listIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: JOBS_TABLE.listIndex.sortKey, KeyType: 'RANGE' },
          ],
        }),
      ],
    });
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: RUNS_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: RUNS_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: RUNS_TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('retains the tables in production and deletes them in a throwaway stage', () => {
    // Prepare
    const local = synthStage('local');

    // Act
    const prodTables = Object.values(prod.stateful.findResources('AWS::DynamoDB::Table'));
    const localTables = Object.values(local.stateful.findResources('AWS::DynamoDB::Table'));

    // Assess
    for (const table of prodTables) {
      expect(table).toMatchObject({ DeletionPolicy: 'Retain', Properties: { DeletionProtectionEnabled: true } });
    }
    for (const table of localTables) {
      expect(table).toMatchObject({ DeletionPolicy: 'Delete', Properties: { DeletionProtectionEnabled: false } });
    }
  });

  it('keeps the schedule group in production and deletes it, with its schedules, in a throwaway stage', () => {
    // Prepare
    const local = synthStage('local');

    // Act
    const policyOf = (template: Template) =>
      Object.values(template.findResources('AWS::Scheduler::ScheduleGroup')).map(
        (group: { DeletionPolicy?: unknown }) => group.DeletionPolicy,
      );

    // Assess
    expect(policyOf(prod.stateless)).toEqual(['Retain']);
    expect(policyOf(local.stateless)).toEqual(['Delete']);
  });

  it('gives every alarm an alarm and OK action on the page or ticket topic', () => {
    // Prepare
    const { stateless } = prod;
    const topics = stateless.findResources('AWS::SNS::Topic') as Resources;
    const topicId = (severity: string) =>
      Object.keys(topics).find((id) => topics[id]?.Properties.DisplayName === `sked ${severity}`);

    // Act
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm') as Resources);

    // Assess
    for (const alarm of alarms) {
      const description = String(alarm.Properties.AlarmDescription);
      const severity = /^\[(page|ticket)\]/.exec(description)?.[1];
      expect(severity, description).toBeDefined();
      const action = [{ Ref: topicId(severity ?? '') }];
      expect(alarm.Properties.AlarmActions).toEqual(action);
      expect(alarm.Properties.OKActions).toEqual(action);
      expect(description).toMatch(/Runbook: README\.md#runbook, section \w+\./);
    }
    const sections = alarms.map((alarm) => /section (\w+)\.$/.exec(String(alarm.Properties.AlarmDescription))?.[1]);
    expect(sections.sort()).toEqual([...RUNBOOK_ALARMS].sort());
  });

  it('watches metrics that AWS publishes, with the dimensions it publishes them under', () => {
    // Prepare
    const { stateless } = prod;
    const { jobsDlq, deliveryDlq } = queueIds(stateless);
    const functionId = (description: RegExp) => {
      const functions = stateless.findResources('AWS::Lambda::Function') as Resources;
      return Object.keys(functions).find((id) => description.test(String(functions[id]?.Properties.Description)));
    };
    const groupId = logicalIdOf(stateless, 'AWS::Scheduler::ScheduleGroup', {});
    const apiId = logicalIdOf(stateless, 'AWS::ApiGateway::RestApi', {});
    const queueName = (id: string) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }];
    const functionName = (description: RegExp) => [{ Name: 'FunctionName', Value: { Ref: functionId(description) } }];
    const resources = stateless.toJSON().Resources as Resources;
    const scheduleGroup = [{ Name: 'ScheduleGroup', Value: resources[groupId]?.Properties.Name }];
    const worker = [{ Name: 'service', Value: 'sked-worker' }];

    // Act
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm') as Resources);
    const bySection = Object.fromEntries(
      alarms.map((alarm) => {
        const { Namespace, MetricName, Dimensions, Statistic, TreatMissingData } = alarm.Properties;
        const section = /section (\w+)\.$/.exec(String(alarm.Properties.AlarmDescription))?.[1] ?? '';
        return [section, { Namespace, MetricName, Dimensions, Statistic, TreatMissingData }];
      }),
    );

    // Assess
    const expected = (Namespace: string, MetricName: string, Dimensions: unknown, Statistic = 'Sum') => ({
      Namespace,
      MetricName,
      Dimensions,
      Statistic,
      TreatMissingData: 'notBreaching',
    });
    expect(bySection).toEqual({
      JobsDlqDepth: expected('AWS/SQS', 'ApproximateNumberOfMessagesVisible', queueName(jobsDlq), 'Maximum'),
      DeliveryDlqDepth: expected('AWS/SQS', 'ApproximateNumberOfMessagesVisible', queueName(deliveryDlq), 'Maximum'),
      // A metric math expression over the jobs queue: asserted on its own below
      QueueAge: {
        Namespace: undefined,
        MetricName: undefined,
        Dimensions: undefined,
        Statistic: undefined,
        TreatMissingData: 'notBreaching',
      },
      WorkerErrors: expected('AWS/Lambda', 'Errors', functionName(/^sked worker/)),
      WorkerThrottles: expected('AWS/Lambda', 'Throttles', functionName(/^sked worker/)),
      RunsFailed: expected('Sked/prod', 'RunsFailed', worker),
      RunsMissed: expected('Sked/prod', 'RunsMissed', worker),
      SchedulerTargetErrors: expected('AWS/Scheduler', 'TargetErrorCount', scheduleGroup),
      SchedulerDropped: expected('AWS/Scheduler', 'InvocationsFailedToBeSentToDeadLetterCount', scheduleGroup),
      TicksLate: expected('Sked/prod', 'OccurrencesEnqueuedLate', worker),
      OccurrencesNotEnqueued: expected('Sked/prod', 'OccurrencesNotEnqueued', worker),
      Api5xx: expected('AWS/ApiGateway', '5XXError', [
        { Name: 'ApiName', Value: resources[apiId]?.Properties.Name },
        { Name: 'Stage', Value: { Ref: logicalIdOf(stateless, 'AWS::ApiGateway::Stage', {}) } },
      ]),
      ReconcileErrors: expected('AWS/Lambda', 'Errors', functionName(/^sked reconcile/)),
    });
  });

  it("gives each stage its own metrics namespace, so stages in one account do not raise each other's run alarms", () => {
    // Prepare
    const dev = synthStage('dev');
    const namespaces = (stage: typeof prod) => {
      const alarms = Object.values(stage.stateless.findResources('AWS::CloudWatch::Alarm') as Resources);
      const runAlarms = alarms.filter((alarm) =>
        /section Runs(Failed|Missed)\.$/.test(String(alarm.Properties.AlarmDescription)),
      );
      const functions = Object.values(stage.stateless.findResources('AWS::Lambda::Function') as Resources);
      const worker = functions.find((fn) => /^sked worker/.test(String(fn.Properties.Description)));
      const environment = worker?.Properties.Environment as { Variables: Record<string, unknown> } | undefined;
      return {
        alarms: [...new Set(runAlarms.map((alarm) => alarm.Properties.Namespace))],
        worker: environment?.Variables.POWERTOOLS_METRICS_NAMESPACE,
      };
    };

    // Act
    const [ofProd, ofDev] = [namespaces(prod), namespaces(dev)];

    // Assess: the worker publishes where its own stage's alarms watch, and nowhere the other stage's do
    expect(ofProd).toEqual({ alarms: ['Sked/prod'], worker: 'Sked/prod' });
    expect(ofDev).toEqual({ alarms: ['Sked/dev'], worker: 'Sked/dev' });
  });

  it('pages on queue age only while due runs stay visible, not while a retry waits out its backoff in flight', () => {
    // Prepare
    const { stateless } = prod;
    const { jobsQueue } = queueIds(stateless);
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm') as Resources);

    // Act
    const queueAge = alarms.find((alarm) => String(alarm.Properties.AlarmDescription).endsWith('section QueueAge.'));

    // Assess
    const queueMetric = (MetricName: string, Stat: string) => ({
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName,
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [jobsQueue, 'QueueName'] } }],
      },
      Period: 60,
      Stat,
    });
    expect(queueAge?.Properties).toMatchObject({ Threshold: 600, EvaluationPeriods: 3 });
    expect(queueAge?.Properties.MetricName).toBeUndefined();
    expect(queueAge?.Properties.Metrics).toEqual([
      expect.objectContaining({ Expression: 'IF(visible >= 1, age, 0)', ReturnData: true }),
      expect.objectContaining({
        Id: 'age',
        MetricStat: queueMetric('ApproximateAgeOfOldestMessage', 'Maximum'),
        ReturnData: false,
      }),
      expect.objectContaining({
        Id: 'visible',
        MetricStat: queueMetric('ApproximateNumberOfMessagesVisible', 'Minimum'),
        ReturnData: false,
      }),
    ]);
  });

  it('watches the plain queue age locally, where the emulator refuses metric math in alarms', () => {
    // Prepare
    const local = synthStage('local');
    const alarms = Object.values(local.stateless.findResources('AWS::CloudWatch::Alarm') as Resources);

    // Act
    const queueAge = alarms.find((alarm) => String(alarm.Properties.AlarmDescription).endsWith('section QueueAge.'));
    const withMath = alarms.filter((alarm) => alarm.Properties.Metrics !== undefined);

    // Assess
    expect(queueAge?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
    });
    expect(withMath).toEqual([]);
  });

  it('requires AWS_IAM authorization on every API method', () => {
    // Prepare
    const { stateless } = prod;

    // Act
    const methods = Object.values(stateless.findResources('AWS::ApiGateway::Method') as Resources);

    // Assess
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    stateless.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: STAGES.prod.api.throttleRateLimit })]),
    });
  });

  it('uses a Cognito user pool authorizer on every method when configured with one', () => {
    // Prepare
    const stack = new Stack(new App({ context: TEST_CONTEXT }), 'CognitoSked');

    // Act
    new Sked(stack, 'Sked', {
      api: {
        authorization: {
          type: 'cognito',
          userPoolArn: 'arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_abc',
        },
        throttleRateLimit: 10,
        throttleBurstLimit: 20,
      },
    });
    const template = Template.fromStack(stack);

    // Assess
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Resources);
    for (const method of methods) expect(method.Properties.AuthorizationType).toBe('COGNITO_USER_POOLS');
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
  });

  it('subscribes the configured email, HTTPS and SQS endpoints to their topics', () => {
    // Prepare
    const stack = new Stack(new App({ context: TEST_CONTEXT }), 'SubscribedSked');

    // Act
    new Sked(stack, 'Sked', {
      subscriptions: {
        page: [
          { kind: 'email', address: 'oncall@example.com' },
          { kind: 'sqs', queueArn: 'arn:aws:sqs:us-east-1:111111111111:pager' },
        ],
        ticket: [{ kind: 'https', url: 'https://tickets.example.com/hook' }],
      },
    });
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      Endpoint: 'arn:aws:sqs:us-east-1:111111111111:pager',
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: 'https://tickets.example.com/hook',
    });
  });

  it('puts the worker metrics and the run alarms in the namespace the deployment chooses', () => {
    // Prepare
    const stack = new Stack(new App({ context: TEST_CONTEXT }), 'NamespacedSked');

    // Act
    new Sked(stack, 'Sked', { metricsNamespace: 'Sked/payments' });
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'sked-worker',
          POWERTOOLS_METRICS_NAMESPACE: 'Sked/payments',
        }),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RunsFailed', Namespace: 'Sked/payments' });
  });

  it('builds every function on the shared Lambda defaults with the configuration contract', () => {
    // Prepare
    const { stateless } = prod;

    // Act
    const functions = Object.values(stateless.findResources('AWS::Lambda::Function') as Resources).filter((fn) =>
      String(fn.Properties.Description).startsWith('sked '),
    );

    // Assess
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      expect(String(fn.Properties.Runtime)).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
      expect(fn.Properties).toMatchObject({
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
      });
      expect((fn.Properties.LoggingConfig as { LogGroup?: unknown }).LogGroup).toBeDefined();
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables[ENV.includeTestTasks]).toBe('false');
      expect(variables[ENV.httpAllowlist]).toBe('');
      expect(variables.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    }
    const api = functions.find((fn) => String(fn.Properties.Description).startsWith('sked jobs API'));
    const apiVariables = (api?.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const defaults: unknown = JSON.parse(apiVariables[ENV.jobDefaults] ?? '');
    expect(jobPoliciesSchema.parse(defaults)).toEqual(STAGES.prod.jobDefaults);
  });

  it('turns the AWS limits guard on in the local stage functions and never mentions it in prod', () => {
    // Prepare
    const local = synthStage('local');
    const guardOf = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function') as Resources)
        .filter((fn) => String(fn.Properties.Description).startsWith('sked '))
        .map(
          (fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.awsLimitsGuard],
        );

    // Act / Assess
    expect({ prod: guardOf(prod.stateless), local: guardOf(local.stateless) }).toEqual({
      prod: [undefined, undefined, undefined],
      local: ['on', 'on', 'on'],
    });
  });

  it('bundles the AWS limits guard into the local stage functions only', () => {
    // Prepare
    const registration = fileURLToPath(new URL('../../lib/adapters/aws/limits/register.ts', import.meta.url));
    // NodejsFunction's esbuild arguments are not in the template: read them off the constructs.
    const injectedInto = (stage: string) =>
      addStage(new App({ context: TEST_CONTEXT }), stage)
        .stateless.node.findAll()
        .filter((construct) => construct instanceof SkedFunction)
        .map((fn) => fn.esbuildArgs['--inject']);

    // Act / Assess
    expect({ prod: injectedInto('prod'), local: injectedInto('local') }).toEqual({
      prod: [undefined, undefined, undefined],
      local: [[registration], [registration], [registration]],
    });
  });

  it('lets the API manage only the schedules of its group and pass only the scheduler role', () => {
    // Prepare
    const { stateless } = prod;
    const schedulerRoleId = logicalIdOf(stateless, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      }),
    });

    // Act
    const statements = policiesOfRole(stateless, functionRoleId(stateless, /^sked jobs API/));

    // Assess
    const passRole = statements.filter((statement) => JSON.stringify(statement.Action).includes('iam:PassRole'));
    expect(passRole).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    const manage = statements.find((statement) =>
      JSON.stringify(statement.Action).includes('scheduler:CreateSchedule'),
    );
    expect(JSON.stringify(manage?.Resource)).toMatch(/:schedule\/.*\/\*"/);
  });

  it('grants each function only the DynamoDB, SQS, events and scheduler actions its code calls', () => {
    // Prepare: a stage with declared jobs has the apply-schedules function too
    const { stateless } = synthStage('prod', DECLARED);
    const { jobsQueue, jobsDlq, deliveryDlq } = queueIds(stateless);
    const roles = {
      api: functionRoleId(stateless, /^sked jobs API/),
      worker: functionRoleId(stateless, /^sked worker/),
      reconcile: functionRoleId(stateless, /^sked reconcile/),
      applySchedules: functionRoleId(stateless, /^sked apply schedules/),
    };

    // Act
    const granted = (roleId: string) => {
      const byResource: Record<string, string[]> = {};
      for (const statement of policiesOfRole(stateless, roleId)) {
        const actions = ([] as unknown[]).concat(statement.Action).map(String);
        for (const resource of ([] as unknown[]).concat(statement.Resource)) {
          const key = resourceKey(resource);
          // A set: two statements granting the same action grant it once.
          byResource[key] = [...new Set([...(byResource[key] ?? []), ...actions])].sort();
        }
      }
      return byResource;
    };

    // Assess
    expect(granted(roles.api)).toEqual({
      '*': ['scheduler:ListSchedules', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      jobsTable: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      'jobsTable/index/list': ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      runsTable: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      [jobsQueue]: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      // The DLQ operations: list (receive with a hide, then visible again), redrive and purge (delete).
      [jobsDlq]: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      [deliveryDlq]: [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
      ],
      eventBus: ['events:PutEvents'],
      schedules: [
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
      ],
      schedulerRole: ['iam:PassRole'],
    });
    expect(granted(roles.reconcile)).toEqual({
      '*': ['scheduler:ListSchedules', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      jobsTable: ['dynamodb:GetItem', 'dynamodb:Query'],
      'jobsTable/index/list': ['dynamodb:GetItem', 'dynamodb:Query'],
      schedules: [
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
      ],
      schedulerRole: ['iam:PassRole'],
    });
    expect(granted(roles.worker)).toEqual({
      '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      jobsTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      runsTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
      // SendMessage: a second-precision job's tick puts its coming occurrences on the jobs queue.
      [jobsQueue]: [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ],
      [jobsDlq]: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
      eventBus: ['events:PutEvents'],
      webhookSecret: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    });
    // What applyDeclared calls: list, read and write jobs, write and delete schedules (never list or read them),
    // send a second-precision job's first tick, announce each change.
    expect(granted(roles.applySchedules)).toEqual({
      '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      jobsTable: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      'jobsTable/index/list': ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      [jobsQueue]: ['sqs:SendMessage'],
      eventBus: ['events:PutEvents'],
      schedules: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
      schedulerRole: ['iam:PassRole'],
    });
    const passRole = policiesOfRole(stateless, roles.applySchedules).filter((statement) =>
      JSON.stringify(statement.Action).includes('iam:PassRole'),
    );
    expect(passRole.map((statement) => statement.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    ]);
  });

  it('names the API after its deployment and alarms on the 5xx of its own stage', () => {
    // Prepare
    const stack = new Stack(new App({ context: TEST_CONTEXT }), 'TwoSkeds');

    // Act
    new Sked(stack, 'Payments');
    new Sked(stack, 'Reports');
    const template = Template.fromStack(stack);

    // Assess
    const apis = template.findResources('AWS::ApiGateway::RestApi') as Resources;
    const stages = template.findResources('AWS::ApiGateway::Stage') as Resources;
    const expectedDimensions = Object.entries(apis).map(([apiId, api]) => {
      const stageId = Object.keys(stages).find(
        (id) => JSON.stringify(stages[id]?.Properties.RestApiId) === JSON.stringify({ Ref: apiId }),
      );
      return [
        { Name: 'ApiName', Value: api.Properties.Name },
        { Name: 'Stage', Value: { Ref: stageId } },
      ];
    });
    const names = Object.values(apis).map((api) => String(api.Properties.Name));
    expect(new Set(names).size).toBe(2);
    const api5xx = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources).filter(
      (alarm) => alarm.Properties.MetricName === '5XXError',
    );
    expect(api5xx.map((alarm) => alarm.Properties.Dimensions)).toEqual(expectedDimensions);
  });

  it('retains the account-wide API Gateway CloudWatch role even when a throwaway stage is deleted', () => {
    // Prepare
    const local = synthStage('local');

    // Act
    const accounts = Object.values(local.stateless.findResources('AWS::ApiGateway::Account'));
    const roles = Object.values(
      local.stateless.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: Match.objectLike({
            Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
          }),
        },
      }),
    );

    // Assess
    expect([...accounts, ...roles].map((resource: { DeletionPolicy?: unknown }) => resource.DeletionPolicy)).toEqual([
      'Retain',
      'Retain',
    ]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions or Serverless findings', () => {
    // Prepare
    const app = new App({ context: TEST_CONTEXT });
    for (const stage of ['prod', 'dev', 'local'] as const) addStage(app, stage);
    // With declared jobs: the apply-schedules function and its custom resource.
    addStage(app, 'prod-declared', DECLARED);
    addStage(app, 'local-declared', DECLARED);
    app.synth();

    // Act
    const findings = [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath}`),
        ),
    );

    // Assess
    expect(findings).toEqual([]);
  });
});
