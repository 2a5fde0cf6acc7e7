import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { guardedClient } from '../../test/support/aws-clients';
import { CallCounter } from './call-counter';
import { InstantHttpHandler, type Responder } from './instant-http';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A set of SDK clients, each counted by `counter`, each with the AWS limits guard (test/support/aws-clients.ts). */
export interface BenchClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly eventbridge: EventBridgeClient;
  readonly scheduler: SchedulerClient;
  readonly secrets: SecretsManagerClient;
  readonly counter: CallCounter;
}

interface ClientOptions {
  readonly endpoint?: string;
  readonly requestHandler?: InstantHttpHandler;
}

function build(options: ClientOptions): BenchClients {
  const config = {
    region: REGION,
    credentials,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.requestHandler !== undefined && { requestHandler: options.requestHandler }),
  };
  const counter = new CallCounter();
  const clients: BenchClients = {
    dynamodb: guardedClient(DynamoDBClient, config),
    sqs: guardedClient(SQSClient, config),
    eventbridge: guardedClient(EventBridgeClient, config),
    scheduler: guardedClient(SchedulerClient, config),
    secrets: guardedClient(SecretsManagerClient, config),
    counter,
  };
  counter.attach(clients.dynamodb, 'DynamoDB');
  counter.attach(clients.sqs, 'SQS');
  counter.attach(clients.eventbridge, 'EventBridge');
  counter.attach(clients.scheduler, 'Scheduler');
  counter.attach(clients.secrets, 'SecretsManager');
  return clients;
}

/** Clients of the local cloud. */
export function cloudClients(endpoint: string): BenchClients {
  return build({ endpoint });
}

/** Clients whose every call is answered at once by `responder`, without a network. */
export function instantClients(responder: Responder): BenchClients {
  return build({ requestHandler: new InstantHttpHandler(responder), endpoint: 'http://instant.invalid' });
}
