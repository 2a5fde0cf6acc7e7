import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CallCounter } from './call-counter';
import { InstantHttpHandler, type Responder } from './instant-http';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A set of SDK clients, each counted by `counter`. */
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
    dynamodb: new DynamoDBClient(config),
    sqs: new SQSClient(config),
    eventbridge: new EventBridgeClient(config),
    scheduler: new SchedulerClient(config),
    secrets: new SecretsManagerClient(config),
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
