import { describe, expect, it } from 'vitest';
import { apiConfigSchema, ENV, parseConfig, workerConfigSchema } from '../../../lib/schemas/config';
import { DEFAULT_JOB_POLICIES } from '../../../lib/schemas/job';

const workerEnv = {
  [ENV.jobsTable]: 'jobs',
  [ENV.runsTable]: 'runs',
  [ENV.jobsQueueUrl]: 'http://localhost:4566/000000000000/jobs',
  [ENV.jobsDlqUrl]: 'http://localhost:4566/000000000000/jobs-dlq',
  [ENV.eventBusName]: 'sked',
  [ENV.webhookSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:sked',
};

describe('configuration from the environment', () => {
  it('parses a worker environment with defaults for the optional variables', () => {
    // Act
    const config = parseConfig(workerConfigSchema, {
      ...workerEnv,
      [ENV.httpAllowlist]: '127.0.0.1:8080, localhost ',
      [ENV.maskPatterns]: '["\\\\d{3}-\\\\d{4}"]',
    });

    // Assess
    expect(config[ENV.httpAllowlist]).toEqual(['127.0.0.1:8080', 'localhost']);
    expect(config[ENV.allowHttp]).toBe(false);
    expect(config[ENV.runRetentionDays]).toBe(30);
    expect(config[ENV.maskPatterns]).toEqual(['\\d{3}-\\d{4}']);
  });

  it('fails fast naming every missing or malformed variable', () => {
    // Act
    const attempt = () => parseConfig(apiConfigSchema, { [ENV.jobsTable]: 'jobs', [ENV.jobDefaults]: '{not json' });

    // Assess
    expect(attempt).toThrow(/SKED_RUNS_TABLE/);
    expect(attempt).toThrow(/SKED_JOB_DEFAULTS: not valid JSON/);
  });

  it('reads the job defaults as JSON', () => {
    // Prepare
    const env = {
      ...workerEnv,
      [ENV.scheduleGroup]: 'g',
      [ENV.jobsQueueArn]: 'arn',
      [ENV.deliveryDlqArn]: 'arn',
      [ENV.schedulerRoleArn]: 'arn',
      [ENV.jobDefaults]: JSON.stringify(DEFAULT_JOB_POLICIES),
    };

    // Act
    const config = parseConfig(apiConfigSchema, env);

    // Assess
    expect(config[ENV.jobDefaults]).toEqual(DEFAULT_JOB_POLICIES);
  });
});
