import type {
  ChangeMessageVisibilityBatchCommandInput,
  ChangeMessageVisibilityCommandInput,
  CreateQueueCommandInput,
  DeleteMessageBatchCommandInput,
  MessageAttributeValue,
  ReceiveMessageCommandInput,
  SendMessageBatchCommandInput,
  SendMessageCommandInput,
  SetQueueAttributesCommandInput,
} from '@aws-sdk/client-sqs';
import {
  decimalShape,
  duplicateOf,
  formatNumber,
  integerIn,
  refuse,
  utf8Bytes,
  type LimitContext,
  type OperationRule,
  type ServiceRules,
} from './limit-rules';

const GUIDE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide';
const API = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference';
export const SQS_SOURCES = {
  quotas: `${GUIDE}/quotas-messages.html`,
  attributes: `${GUIDE}/sqs-message-metadata.html#sqs-message-attributes`,
  attributeValue: `${API}/API_MessageAttributeValue.html`,
  sendMessage: `${API}/API_SendMessage.html`,
  sendMessageBatch: `${API}/API_SendMessageBatch.html`,
  changeVisibility: `${API}/API_ChangeMessageVisibility.html`,
  changeVisibilityBatch: `${API}/API_ChangeMessageVisibilityBatch.html`,
  deleteMessageBatch: `${API}/API_DeleteMessageBatch.html`,
  receiveMessage: `${API}/API_ReceiveMessage.html`,
  longPolling: `${GUIDE}/best-practices-setting-up-long-polling.html`,
  setQueueAttributes: `${API}/API_SetQueueAttributes.html`,
  createQueue: `${API}/API_CreateQueue.html`,
} as const;

/** SendMessage's own maximum; a queue's `MaximumMessageSize` may be lower (LimitContext). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
const MAX_MESSAGE_ATTRIBUTES = 10;
const MAX_ATTRIBUTE_NAME_CHARS = 256;
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_ID_CHARS = 80;
const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_RECEIVE = 10;
const MAX_WAIT_SECONDS = 20;
const NUMBER_DIGITS = 38;
/** Number attributes lie between 10^-128 and 10^+126. */
const NUMBER_MIN_EXPONENT = -128;
const NUMBER_MAX_EXPONENT = 126;

/** The name rules of message attributes (and of the names ReceiveMessage asks for). */
function checkAttributeName(name: string, where: string): void {
  const source = SQS_SOURCES.attributes;
  const what = `${where}message attribute name "${name}"`;
  if (name.length === 0) refuse(source, `${where}an empty message attribute name`, 'at least 1 character');
  if (name.length > MAX_ATTRIBUTE_NAME_CHARS) {
    refuse(
      source,
      `${where}a message attribute name of ${name.length} characters`,
      `at most ${MAX_ATTRIBUTE_NAME_CHARS}`,
    );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) refuse(source, what, 'only A-Z, a-z, 0-9, underscore, hyphen and period');
  if (/^(aws|amazon)\./i.test(name)) refuse(source, what, 'no AWS. or Amazon. prefix (any casing)');
  if (name.startsWith('.') || name.endsWith('.')) refuse(source, what, 'no leading or trailing period');
  if (name.includes('..')) refuse(source, what, 'no periods in succession');
}

function checkNumberValue(text: string, what: string): void {
  const source = SQS_SOURCES.attributes;
  const shape = decimalShape(text);
  if (shape === undefined) refuse(source, `${what} "${text}"`, 'a number');
  if (shape.zero) return;
  if (shape.significantDigits.length > NUMBER_DIGITS) {
    refuse(source, `${what} with ${shape.significantDigits.length} digits`, `at most ${NUMBER_DIGITS} digits`);
  }
  const aboveMax =
    shape.exponent > NUMBER_MAX_EXPONENT || (shape.exponent === NUMBER_MAX_EXPONENT && shape.significantDigits !== '1');
  if (aboveMax || shape.exponent < NUMBER_MIN_EXPONENT) {
    refuse(source, `${what} ${text}`, 'between 10^-128 and 10^+126');
  }
}

/** Bytes an attribute adds to the message: its name, type and value all count. */
function attributeBytes(name: string, value: MessageAttributeValue): number {
  const valueBytes =
    value.StringValue !== undefined ? utf8Bytes(value.StringValue) : (value.BinaryValue?.byteLength ?? 0);
  return utf8Bytes(name) + utf8Bytes(value.DataType ?? '') + valueBytes;
}

function checkAttributes(attributes: Record<string, MessageAttributeValue> | undefined, where: string): void {
  const entries = Object.entries(attributes ?? {});
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    refuse(SQS_SOURCES.quotas, `${where}${entries.length} message attributes`, `at most ${MAX_MESSAGE_ATTRIBUTES}`);
  }
  for (const [name, value] of entries) {
    checkAttributeName(name, where);
    const what = `${where}message attribute "${name}"`;
    const type = value.DataType ?? '';
    const base = /^(String|Number|Binary)(\.|$)/.exec(type)?.[1];
    if (base === undefined) {
      refuse(SQS_SOURCES.attributeValue, `${what} of type "${type}"`, 'String, Number or Binary (optionally .label)');
    }
    if (base === 'Binary') {
      if ((value.BinaryValue?.byteLength ?? 0) === 0)
        refuse(SQS_SOURCES.attributeValue, `${what} with no value`, 'a non-empty BinaryValue');
    } else if (value.StringValue === undefined || value.StringValue.length === 0) {
      refuse(SQS_SOURCES.attributeValue, `${what} with no value`, 'a non-empty StringValue');
    }
    if (base === 'Number') checkNumberValue(value.StringValue ?? '', `${what} value`);
  }
}

/** Body, attribute names, types and values: what counts towards the message size. */
function messageBytes(body: string, attributes: Record<string, MessageAttributeValue> | undefined): number {
  return Object.entries(attributes ?? {}).reduce(
    (sum, [name, value]) => sum + attributeBytes(name, value),
    utf8Bytes(body),
  );
}

interface OutgoingMessage {
  readonly MessageBody?: string | undefined;
  readonly DelaySeconds?: number | undefined;
  readonly MessageAttributes?: Record<string, MessageAttributeValue> | undefined;
}

/** The rules of one message, sent alone or in a batch; returns its size. */
function checkMessage(message: OutgoingMessage, context: LimitContext, source: string, where = ''): number {
  const body = message.MessageBody ?? '';
  if (body.length === 0) refuse(source, `${where}an empty message body`, 'at least 1 character');
  if (message.DelaySeconds !== undefined) {
    integerIn(source, `${where}DelaySeconds`, message.DelaySeconds, 0, MAX_DELAY_SECONDS);
  }
  checkAttributes(message.MessageAttributes, where);
  const bytes = messageBytes(body, message.MessageAttributes);
  const max = context.sqsMaximumMessageBytes;
  if (bytes > max) {
    refuse(
      source,
      `${where}a message of ${formatNumber(bytes)} bytes (body and attributes)`,
      `at most ${formatNumber(max)}`,
    );
  }
  return bytes;
}

/** Batch entries: at least one, at most 10, ids of the documented form and unique. */
function checkBatchIds(ids: readonly string[], source: string): void {
  if (ids.length === 0) refuse(source, 'no entries', 'at least 1');
  if (ids.length > MAX_BATCH_ENTRIES) refuse(source, `${ids.length} entries`, `at most ${MAX_BATCH_ENTRIES}`);
  for (const id of ids) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      refuse(source, `entry id "${id}"`, `1 to ${MAX_BATCH_ID_CHARS} of A-Z, a-z, 0-9, hyphen and underscore`);
    }
  }
  const duplicate = duplicateOf(ids);
  if (duplicate !== undefined) refuse(source, `entry id "${duplicate}" twice`, 'unique entry ids');
}

const sendMessage: OperationRule<SendMessageCommandInput> = (input, context) => {
  checkMessage(input, context, SQS_SOURCES.sendMessage);
};

const sendMessageBatch: OperationRule<SendMessageBatchCommandInput> = (input, context) => {
  const source = SQS_SOURCES.sendMessageBatch;
  const entries = input.Entries ?? [];
  checkBatchIds(
    entries.map((entry) => entry.Id ?? ''),
    source,
  );
  let total = 0;
  for (const entry of entries) total += checkMessage(entry, context, source, `entry "${entry.Id ?? ''}": `);
  const max = context.sqsMaximumMessageBytes;
  if (total > max) refuse(source, `a batch of ${formatNumber(total)} bytes`, `at most ${formatNumber(max)} in all`);
};

/**
 * A visibility timeout is 0 to 43,200 seconds. AWS also refuses one that would end more than 12 hours after the
 * message was first received; only the receipt time could tell, which the input does not carry.
 */
const changeMessageVisibility: OperationRule<ChangeMessageVisibilityCommandInput> = (input) => {
  integerIn(SQS_SOURCES.changeVisibility, 'VisibilityTimeout', input.VisibilityTimeout ?? 0, 0, MAX_VISIBILITY_SECONDS);
};

const changeMessageVisibilityBatch: OperationRule<ChangeMessageVisibilityBatchCommandInput> = (input) => {
  const source = SQS_SOURCES.changeVisibilityBatch;
  const entries = input.Entries ?? [];
  checkBatchIds(
    entries.map((entry) => entry.Id ?? ''),
    source,
  );
  for (const entry of entries) {
    if (entry.VisibilityTimeout === undefined) continue;
    integerIn(
      source,
      `entry "${entry.Id ?? ''}": VisibilityTimeout`,
      entry.VisibilityTimeout,
      0,
      MAX_VISIBILITY_SECONDS,
    );
  }
};

const deleteMessageBatch: OperationRule<DeleteMessageBatchCommandInput> = (input) => {
  checkBatchIds(
    (input.Entries ?? []).map((entry) => entry.Id ?? ''),
    SQS_SOURCES.deleteMessageBatch,
  );
};

const receiveMessage: OperationRule<ReceiveMessageCommandInput> = (input) => {
  const source = SQS_SOURCES.receiveMessage;
  if (input.MaxNumberOfMessages !== undefined) {
    integerIn(source, 'MaxNumberOfMessages', input.MaxNumberOfMessages, 1, MAX_RECEIVE);
  }
  if (input.WaitTimeSeconds !== undefined) {
    integerIn(SQS_SOURCES.longPolling, 'WaitTimeSeconds', input.WaitTimeSeconds, 0, MAX_WAIT_SECONDS);
  }
  if (input.VisibilityTimeout !== undefined) {
    integerIn(SQS_SOURCES.quotas, 'VisibilityTimeout', input.VisibilityTimeout, 0, MAX_VISIBILITY_SECONDS);
  }
  for (const name of input.MessageAttributeNames ?? []) {
    if (name === 'All' || name === '.*') continue;
    checkAttributeName(name.endsWith('.*') ? name.slice(0, -2) : name, 'requested ');
  }
};

/** The queue attributes with a documented range, as CreateQueue and SetQueueAttributes take them (strings). */
const QUEUE_ATTRIBUTE_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  DelaySeconds: [0, MAX_DELAY_SECONDS],
  MaximumMessageSize: [1024, SQS_MAX_MESSAGE_BYTES],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, MAX_WAIT_SECONDS],
  VisibilityTimeout: [0, MAX_VISIBILITY_SECONDS],
};

function checkQueueAttributes(attributes: Record<string, string> | undefined, source: string): void {
  for (const [name, text] of Object.entries(attributes ?? {})) {
    const range = QUEUE_ATTRIBUTE_RANGES[name];
    if (range === undefined) continue;
    if (!/^\d+$/.test(text)) refuse(source, `${name} "${text}"`, 'a whole number of the documented range');
    integerIn(source, name, Number(text), range[0], range[1]);
  }
}

const setQueueAttributes: OperationRule<SetQueueAttributesCommandInput> = (input) => {
  checkQueueAttributes(input.Attributes, SQS_SOURCES.setQueueAttributes);
};

const createQueue: OperationRule<CreateQueueCommandInput> = (input) => {
  checkQueueAttributes(input.Attributes, SQS_SOURCES.createQueue);
};

export const SQS_RULES: ServiceRules = {
  service: 'SQS',
  clientName: 'SQSClient',
  operations: {
    SendMessage: sendMessage,
    SendMessageBatch: sendMessageBatch,
    ChangeMessageVisibility: changeMessageVisibility,
    ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
    DeleteMessageBatch: deleteMessageBatch,
    ReceiveMessage: receiveMessage,
    SetQueueAttributes: setQueueAttributes,
    CreateQueue: createQueue,
  },
};
