import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import { JOBS_QUEUE_RETENTION_SECONDS, MAX_ATTEMPTS } from '../../lib/schemas/job';

/**
 * Receives after which SQS moves a message to the jobs DLQ by itself. The worker moves a run to the DLQ after the
 * job's `retry.maxAttempts` (at most MAX_ATTEMPTS); the redrive policy only catches crash loops, so it sits well above
 * that, with room for re-deliveries the worker asks for without an attempt (overlap `queue`, throttled dependencies).
 */
export const REDRIVE_MAX_RECEIVE_COUNT = MAX_ATTEMPTS + 10;

/** AWS's guidance for SQS event sources: a visibility timeout of at least six times the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface SkedQueuesProps {
  /** The worker Lambda's timeout; the jobs queue's visibility timeout is six times this. */
  readonly workerTimeout: Duration;
}

/**
 * The jobs queue (EventBridge Scheduler and run-now deliver run envelopes to it), its redrive DLQ, and the delivery
 * DLQ that receives what Scheduler could not deliver.
 *
 * All three use SQS managed server-side encryption (SSE-SQS): encrypted at rest, and EventBridge Scheduler, the
 * worker and SNS need no KMS key policy or kms:* grants to use them, which keeps the scheduler role at exactly
 * sqs:SendMessage. All three refuse non-TLS requests.
 */
export class SkedQueues extends Construct {
  readonly jobsQueue: Queue;
  readonly jobsDlq: Queue;
  readonly deliveryDlq: Queue;

  constructor(scope: Construct, id: string, props: SkedQueuesProps) {
    super(scope, id);

    this.jobsDlq = new Queue(this, 'JobsDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.jobsQueue = new Queue(this, 'JobsQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Shorter than the DLQ's, so a redriven message never expires before it can be inspected.
      retentionPeriod: Duration.seconds(JOBS_QUEUE_RETENTION_SECONDS),
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.jobsDlq, maxReceiveCount: REDRIVE_MAX_RECEIVE_COUNT },
    });
    this.deliveryDlq = new Queue(this, 'DeliveryDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    acknowledgeNag(
      this.jobsDlq,
      ...[
        { id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the jobs queue.' },
        { id: 'Serverless-SQSRedrivePolicy', reason: 'This is the dead-letter queue of the jobs queue.' },
      ],
    );
    acknowledgeNag(
      this.deliveryDlq,
      ...[
        {
          id: 'AwsSolutions-SQS3',
          reason: 'This is the dead-letter queue of EventBridge Scheduler targets (per schedule DeadLetterConfig).',
        },
        {
          id: 'Serverless-SQSRedrivePolicy',
          reason: 'This is the dead-letter queue of EventBridge Scheduler targets (per schedule DeadLetterConfig).',
        },
      ],
    );
  }
}
