import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { addStage } from '../../cdk/app';
import { STAGES } from '../../cdk/config';
import { Sked } from '../../cdk/constructs/sked';
import { REDRIVE_MAX_RECEIVE_COUNT } from '../../cdk/constructs/sked-queues';
import { JOBS_TABLE, RUNS_TABLE } from '../../lib/adapters/aws/table-layout';
import { ENV } from '../../lib/schemas/config';
import { MAX_ATTEMPTS, jobPoliciesSchema } from '../../lib/schemas/job';

/** No bundling in unit tests: the assertions are about the templates, not the bundles. */
const TEST_CONTEXT = { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:defaultCrossStackReferences': 'strong' };

function synthStage(stage: string) {
  const app = new App({ context: TEST_CONTEXT });
  const stacks = addStage(app, stage);
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

  it('gives every alarm an alarm and OK action on the page or ticket topic', () => {
    // Prepare
    const { stateless } = prod;
    const topics = stateless.findResources('AWS::SNS::Topic') as Resources;
    const topicId = (severity: string) =>
      Object.keys(topics).find((id) => topics[id]?.Properties.DisplayName === `sked ${severity}`);

    // Act
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm') as Resources);

    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(11);
    for (const alarm of alarms) {
      const description = String(alarm.Properties.AlarmDescription);
      const severity = /^\[(page|ticket)\]/.exec(description)?.[1];
      expect(severity, description).toBeDefined();
      const action = [{ Ref: topicId(severity ?? '') }];
      expect(alarm.Properties.AlarmActions).toEqual(action);
      expect(alarm.Properties.OKActions).toEqual(action);
      expect(description).toMatch(/Runbook: README\.md#runbook, section \w+\./);
    }
    const metricsBySeverity = alarms.map(
      (alarm) => `${String(alarm.Properties.MetricName)}:${String(alarm.Properties.AlarmDescription).slice(1, 5)}`,
    );
    expect(metricsBySeverity).toEqual(
      expect.arrayContaining([
        'ApproximateNumberOfMessagesVisible:page',
        'ApproximateAgeOfOldestMessage:page',
        'Errors:page',
        'Throttles:tick',
        'RunsFailed:tick',
        'RunsMissed:tick',
        'TargetErrorCount:tick',
        'InvocationDroppedCount:page',
        '5XXError:tick',
      ]),
    );
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
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] } },
    ]);
    const manage = statements.find((statement) =>
      JSON.stringify(statement.Action).includes('scheduler:CreateSchedule'),
    );
    expect(JSON.stringify(manage?.Resource)).toMatch(/:schedule\/.*\/\*"/);
  });

  it('has no unacknowledged cdk-nag AwsSolutions or Serverless findings', () => {
    // Prepare
    const app = new App({ context: TEST_CONTEXT });
    for (const stage of ['prod', 'dev', 'local'] as const) addStage(app, stage);
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
