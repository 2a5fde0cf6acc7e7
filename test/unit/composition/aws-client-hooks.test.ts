import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { taskRegistry } from '../../../functions/tasks';
import {
  AWS_LIMITS_GUARD_HOOK,
  hasClientHook,
  registerClientHook,
  type SdkClient,
} from '../../../lib/adapters/aws/client-hooks';
import { apiHandler } from '../../../lib/composition/api';
import { awsClients } from '../../../lib/composition/aws-jobs-deps';
import { reconcileHandler } from '../../../lib/composition/reconcile';
import { awsWorkerDeps, workerHandler } from '../../../lib/composition/worker';
import { ENV, parseConfig, workerConfigSchema } from '../../../lib/schemas/config';
import { DEFAULT_JOB_POLICIES } from '../../../lib/schemas/job';
import { workerEnv } from '../../support/worker/env';

// This file loads neither the guard nor its registration: each test registers what it needs.
const apiEnv = (extra: Record<string, string> = {}) => ({
  [ENV.jobsTable]: 'jobs',
  [ENV.runsTable]: 'runs',
  [ENV.jobsQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/jobs',
  [ENV.eventBusName]: 'bus',
  [ENV.scheduleGroup]: 'group',
  [ENV.jobsQueueArn]: 'arn:aws:sqs:us-east-1:000000000000:jobs',
  [ENV.deliveryDlqArn]: 'arn:aws:sqs:us-east-1:000000000000:delivery-dlq',
  [ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/scheduler',
  [ENV.jobDefaults]: JSON.stringify(DEFAULT_JOB_POLICIES),
  [ENV.jobsDlqUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/jobs-dlq',
  [ENV.deliveryDlqUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/delivery-dlq',
  ...extra,
});
const guardOn = { [ENV.awsLimitsGuard]: 'on' };

describe('the composition roots and the client hooks', () => {
  const unregister: (() => void)[] = [];
  afterEach(() => {
    for (const remove of unregister.splice(0)) remove();
  });
  function recordingHook(name: string): SdkClient[] {
    const hooked: SdkClient[] = [];
    unregister.push(registerClientHook(name, (client) => hooked.push(client)));
    return hooked;
  }

  it('fails the cold start, naming the variable, when the guard is on but not in the bundle', () => {
    // Prepare
    expect(hasClientHook(AWS_LIMITS_GUARD_HOOK)).toBe(false);
    const missing = /SKED_AWS_LIMITS_GUARD is on, but the AWS limits guard is not in this bundle/;

    // Act / Assess
    expect(() => apiHandler(apiEnv(guardOn), taskRegistry)).toThrow(missing);
    expect(() => reconcileHandler(apiEnv(guardOn))).toThrow(missing);
    expect(() => workerHandler(workerEnv(guardOn), taskRegistry)).toThrow(missing);
    expect(() => awsClients({ awsLimitsGuard: true })).toThrow(missing);
  });

  it('starts without the guard when it is off, applying no hook', () => {
    // Prepare
    const hooked = recordingHook(AWS_LIMITS_GUARD_HOOK);

    // Act
    apiHandler(apiEnv(), taskRegistry);
    reconcileHandler(apiEnv());
    workerHandler(workerEnv(), taskRegistry);
    awsClients();

    // Assess
    expect(hooked).toEqual([]);
  });

  it("applies every registered hook to each of the API's clients when the guard is on", () => {
    // Prepare
    const guarded = recordingHook(AWS_LIMITS_GUARD_HOOK);
    const other = recordingHook('another-hook');

    // Act
    const clients = awsClients({ awsLimitsGuard: true });

    // Assess
    expect(guarded).toEqual(Object.values(clients));
    expect(other).toEqual(Object.values(clients));
  });

  it("applies the hooks to each of the worker's clients, given ones included, when the guard is on", () => {
    // Prepare
    const hooked = recordingHook(AWS_LIMITS_GUARD_HOOK);
    const config = parseConfig(workerConfigSchema, workerEnv(guardOn));
    const given = new SQSClient({});

    // Act
    awsWorkerDeps(config, taskRegistry, { sqs: given });

    // Assess
    expect(hooked.map((client) => client.constructor.name).sort()).toEqual([
      'DynamoDBClient',
      'EventBridgeClient',
      'SQSClient',
      'SecretsManagerClient',
    ]);
    expect(hooked).toContain(given);
  });
});
