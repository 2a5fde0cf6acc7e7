import { describe, expect, it } from 'vitest';
import { apiFunctionConfigSchema, ENV, parseConfig } from '../../../lib/schemas/config';
import { DEFAULT_JOB_POLICIES } from '../../../lib/schemas/job';

const jobsApiEnv = {
  [ENV.jobsTable]: 'jobs',
  [ENV.runsTable]: 'runs',
  [ENV.jobsQueueUrl]: 'http://localhost:4566/000000000000/jobs',
  [ENV.eventBusName]: 'sked',
  [ENV.scheduleGroup]: 'g',
  [ENV.jobsQueueArn]: 'arn',
  [ENV.deliveryDlqArn]: 'arn',
  [ENV.schedulerRoleArn]: 'arn',
  [ENV.jobDefaults]: JSON.stringify(DEFAULT_JOB_POLICIES),
};

describe("the API function's configuration", () => {
  it('needs the URLs of both DLQs, naming each one missing', () => {
    // Act
    const attempt = () => parseConfig(apiFunctionConfigSchema, jobsApiEnv);

    // Assess
    expect(attempt).toThrow(/SKED_JOBS_DLQ_URL/);
    expect(attempt).toThrow(/SKED_DELIVERY_DLQ_URL/);
  });

  it('reads them beside the jobs configuration', () => {
    // Act
    const config = parseConfig(apiFunctionConfigSchema, {
      ...jobsApiEnv,
      [ENV.jobsDlqUrl]: 'http://localhost:4566/000000000000/jobs-dlq',
      [ENV.deliveryDlqUrl]: 'http://localhost:4566/000000000000/delivery-dlq',
    });

    // Assess
    expect(config[ENV.jobsDlqUrl]).toBe('http://localhost:4566/000000000000/jobs-dlq');
    expect(config[ENV.deliveryDlqUrl]).toBe('http://localhost:4566/000000000000/delivery-dlq');
    expect(config[ENV.jobDefaults]).toEqual(DEFAULT_JOB_POLICIES);
  });
});
