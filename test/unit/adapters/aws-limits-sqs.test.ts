import { describe, expect, it } from 'vitest';
import { checkAwsLimits } from '../../../lib/adapters/aws/limits';

const QUOTAS = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html';
const ATTRIBUTES =
  'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-message-attributes';
const API = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference';

/** What the guard says about an SQS call: its error as printed, or undefined when the call may go. */
function refusal(
  commandName: string,
  input: unknown,
  options?: { sqsMaximumMessageBytes: number },
): string | undefined {
  try {
    checkAwsLimits({ clientName: 'SQSClient', commandName, input }, options);
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const text = (value: string) => ({ DataType: 'String', StringValue: value });
const attributes = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, text('x')]));
const send = (extra: Record<string, unknown>) => ({ QueueUrl: 'q', MessageBody: 'body', ...extra });

describe('the AWS limits guard on SQS', () => {
  it('lets a message with 10 attributes through', () => {
    expect(refusal('SendMessageCommand', send({ MessageAttributes: attributes(10) }))).toBeUndefined();
  });

  it('refuses more than 10 message attributes', () => {
    expect(refusal('SendMessageCommand', send({ MessageAttributes: attributes(12) }))).toBe(
      `AwsLimitError: SQS SendMessage: 12 message attributes; at most 10 (${QUOTAS})`,
    );
  });

  it.each([
    ['bad name!', 'only A-Z, a-z, 0-9, underscore, hyphen and period'],
    ['AWS.trace', 'no AWS. or Amazon. prefix (any casing)'],
    ['amazon.x', 'no AWS. or Amazon. prefix (any casing)'],
    ['.hidden', 'no leading or trailing period'],
    ['end.', 'no leading or trailing period'],
    ['a..b', 'no periods in succession'],
  ])('refuses the attribute name %s', (name, limit) => {
    expect(refusal('SendMessageCommand', send({ MessageAttributes: { [name]: text('x') } }))).toBe(
      `AwsLimitError: SQS SendMessage: message attribute name "${name}"; ${limit} (${ATTRIBUTES})`,
    );
  });

  it('refuses an attribute name longer than 256 characters', () => {
    expect(refusal('SendMessageCommand', send({ MessageAttributes: { ['n'.repeat(257)]: text('x') } }))).toBe(
      `AwsLimitError: SQS SendMessage: a message attribute name of 257 characters; at most 256 (${ATTRIBUTES})`,
    );
  });

  it('refuses an attribute without a value and one of an unknown type', () => {
    expect(refusal('SendMessageCommand', send({ MessageAttributes: { a: text('') } }))).toBe(
      `AwsLimitError: SQS SendMessage: message attribute "a" with no value; a non-empty StringValue (${API}/API_MessageAttributeValue.html)`,
    );
    expect(
      refusal('SendMessageCommand', send({ MessageAttributes: { a: { DataType: 'Text', StringValue: 'x' } } })),
    ).toBe(
      `AwsLimitError: SQS SendMessage: message attribute "a" of type "Text"; String, Number or Binary (optionally .label) (${API}/API_MessageAttributeValue.html)`,
    );
  });

  it('checks Number attributes for precision and magnitude', () => {
    const number = (value: string) =>
      send({ MessageAttributes: { n: { DataType: 'Number.int', StringValue: value } } });
    expect(refusal('SendMessageCommand', number('12.5e3'))).toBeUndefined();
    expect(refusal('SendMessageCommand', number('1'.repeat(39)))).toBe(
      `AwsLimitError: SQS SendMessage: message attribute "n" value with 39 digits; at most 38 digits (${ATTRIBUTES})`,
    );
    expect(refusal('SendMessageCommand', number('2e126'))).toBe(
      `AwsLimitError: SQS SendMessage: message attribute "n" value 2e126; between 10^-128 and 10^+126 (${ATTRIBUTES})`,
    );
  });

  it('counts the body and every attribute name, type and value towards the message size', () => {
    // Prepare: 1,048,576 bytes in all, then one more.
    const attribute = { tag: text('v') }; // 3 + 6 + 1 = 10 bytes
    const fits = send({ MessageBody: 'b'.repeat(1_048_566), MessageAttributes: attribute });
    const over = send({ MessageBody: 'b'.repeat(1_048_567), MessageAttributes: attribute });

    // Act / Assess
    expect(refusal('SendMessageCommand', fits)).toBeUndefined();
    expect(refusal('SendMessageCommand', over)).toBe(
      `AwsLimitError: SQS SendMessage: a message of 1,048,577 bytes (body and attributes); at most 1,048,576 (${API}/API_SendMessage.html)`,
    );
  });

  it("holds messages to a queue's lower MaximumMessageSize when told it", () => {
    expect(
      refusal('SendMessageCommand', send({ MessageBody: 'é'.repeat(200) }), { sqsMaximumMessageBytes: 262_144 }),
    ).toBeUndefined();
    expect(
      refusal('SendMessageCommand', send({ MessageBody: 'x'.repeat(262_145) }), { sqsMaximumMessageBytes: 262_144 }),
    ).toBe(
      `AwsLimitError: SQS SendMessage: a message of 262,145 bytes (body and attributes); at most 262,144 (${API}/API_SendMessage.html)`,
    );
  });

  it('refuses an empty body and a DelaySeconds outside 0 to 900', () => {
    expect(refusal('SendMessageCommand', send({ MessageBody: '' }))).toBe(
      `AwsLimitError: SQS SendMessage: an empty message body; at least 1 character (${API}/API_SendMessage.html)`,
    );
    expect(refusal('SendMessageCommand', send({ DelaySeconds: 901 }))).toBe(
      `AwsLimitError: SQS SendMessage: DelaySeconds 901; from 0 to 900 (${API}/API_SendMessage.html)`,
    );
  });

  it('holds batches to 10 entries with unique ids and 1 MiB in all', () => {
    const entry = (Id: string, MessageBody = 'x') => ({ Id, MessageBody });
    const batch = (Entries: unknown[]) => ({ QueueUrl: 'q', Entries });
    const source = `${API}/API_SendMessageBatch.html`;
    expect(refusal('SendMessageBatchCommand', batch([entry('a'), entry('b')]))).toBeUndefined();
    expect(refusal('SendMessageBatchCommand', batch(Array.from({ length: 11 }, (_, i) => entry(`e${i}`))))).toBe(
      `AwsLimitError: SQS SendMessageBatch: 11 entries; at most 10 (${source})`,
    );
    expect(refusal('SendMessageBatchCommand', batch([entry('a'), entry('a')]))).toBe(
      `AwsLimitError: SQS SendMessageBatch: entry id "a" twice; unique entry ids (${source})`,
    );
    expect(refusal('SendMessageBatchCommand', batch([entry('a b')]))).toBe(
      `AwsLimitError: SQS SendMessageBatch: entry id "a b"; 1 to 80 of A-Z, a-z, 0-9, hyphen and underscore (${source})`,
    );
    expect(
      refusal('SendMessageBatchCommand', batch([entry('a', 'x'.repeat(600_000)), entry('b', 'x'.repeat(600_000))])),
    ).toBe(`AwsLimitError: SQS SendMessageBatch: a batch of 1,200,000 bytes; at most 1,048,576 in all (${source})`);
    expect(
      refusal('SendMessageBatchCommand', batch([{ Id: 'a', MessageBody: 'x', MessageAttributes: attributes(11) }])),
    ).toBe(`AwsLimitError: SQS SendMessageBatch: entry "a": 11 message attributes; at most 10 (${QUOTAS})`);
  });

  it('holds visibility timeouts to 0 to 43,200 seconds', () => {
    const change = (VisibilityTimeout: number) => ({ QueueUrl: 'q', ReceiptHandle: 'r', VisibilityTimeout });
    expect(refusal('ChangeMessageVisibilityCommand', change(43_200))).toBeUndefined();
    expect(refusal('ChangeMessageVisibilityCommand', change(43_201))).toBe(
      `AwsLimitError: SQS ChangeMessageVisibility: VisibilityTimeout 43,201; from 0 to 43,200 (${API}/API_ChangeMessageVisibility.html)`,
    );
    expect(
      refusal('ChangeMessageVisibilityBatchCommand', {
        QueueUrl: 'q',
        Entries: [{ Id: 'a', ReceiptHandle: 'r', VisibilityTimeout: -1 }],
      }),
    ).toBe(
      `AwsLimitError: SQS ChangeMessageVisibilityBatch: entry "a": VisibilityTimeout -1; from 0 to 43,200 (${API}/API_ChangeMessageVisibilityBatch.html)`,
    );
  });

  it('holds DeleteMessageBatch to the batch entry rules', () => {
    expect(refusal('DeleteMessageBatchCommand', { QueueUrl: 'q', Entries: [] })).toBe(
      `AwsLimitError: SQS DeleteMessageBatch: no entries; at least 1 (${API}/API_DeleteMessageBatch.html)`,
    );
  });

  it('holds ReceiveMessage to 1 to 10 messages, 20 seconds of waiting and valid attribute names', () => {
    const receive = (extra: Record<string, unknown>) => ({ QueueUrl: 'q', ...extra });
    expect(
      refusal(
        'ReceiveMessageCommand',
        receive({ MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageAttributeNames: ['All', '.*', 'sked.*', 'x'] }),
      ),
    ).toBeUndefined();
    expect(refusal('ReceiveMessageCommand', receive({ MaxNumberOfMessages: 11 }))).toBe(
      `AwsLimitError: SQS ReceiveMessage: MaxNumberOfMessages 11; from 1 to 10 (${API}/API_ReceiveMessage.html)`,
    );
    expect(refusal('ReceiveMessageCommand', receive({ WaitTimeSeconds: 21 }))).toBe(
      'AwsLimitError: SQS ReceiveMessage: WaitTimeSeconds 21; from 0 to 20 (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/best-practices-setting-up-long-polling.html)',
    );
    expect(refusal('ReceiveMessageCommand', receive({ MessageAttributeNames: ['a..b.*'] }))).toBe(
      `AwsLimitError: SQS ReceiveMessage: requested message attribute name "a..b"; no periods in succession (${ATTRIBUTES})`,
    );
  });

  it('holds queue attributes to their documented ranges', () => {
    expect(
      refusal('SetQueueAttributesCommand', { QueueUrl: 'q', Attributes: { VisibilityTimeout: '30', Policy: '{}' } }),
    ).toBeUndefined();
    expect(refusal('SetQueueAttributesCommand', { QueueUrl: 'q', Attributes: { MessageRetentionPeriod: '59' } })).toBe(
      `AwsLimitError: SQS SetQueueAttributes: MessageRetentionPeriod 59; from 60 to 1,209,600 (${API}/API_SetQueueAttributes.html)`,
    );
    expect(refusal('CreateQueueCommand', { QueueName: 'q', Attributes: { MaximumMessageSize: '2097152' } })).toBe(
      `AwsLimitError: SQS CreateQueue: MaximumMessageSize 2,097,152; from 1,024 to 1,048,576 (${API}/API_CreateQueue.html)`,
    );
  });

  it('lets operations without rules through', () => {
    expect(refusal('PurgeQueueCommand', { QueueUrl: 'q' })).toBeUndefined();
  });
});
