import { describe, expect, it } from 'vitest';
import { checkAwsLimits } from '../../../lib/adapters/aws/limits';

const GUIDE = 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide';
const API = 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference';

function refusal(commandName: string, input: unknown): string | undefined {
  try {
    checkAwsLimits({ clientName: 'DynamoDBClient', commandName, input });
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const key = (id: string) => ({ pk: { S: id }, sk: { S: 'run#1' } });
const update = (id: string) => ({
  TableName: 'runs',
  Key: key(id),
  UpdateExpression: 'SET #status = :status',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: { ':status': { S: 'running' } },
});

describe('the AWS limits guard on DynamoDB', () => {
  it('lets well-formed writes through', () => {
    expect(
      refusal('PutItemCommand', { TableName: 'jobs', Item: { pk: { S: 'a' }, n: { N: '-1.5e10' } } }),
    ).toBeUndefined();
    expect(refusal('UpdateItemCommand', update('a'))).toBeUndefined();
  });

  it('sizes items as attribute names plus values and refuses one over 400 KB', () => {
    // Prepare: name "pk" (2) + 10 bytes, name "body" (4) + 409,584 bytes = 409,600 bytes.
    const item = (bodyBytes: number) => ({ pk: { S: '0123456789' }, body: { S: 'x'.repeat(bodyBytes) } });

    // Act / Assess
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: item(409_584) })).toBeUndefined();
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: item(409_585) })).toBe(
      `AwsLimitError: DynamoDB PutItem: an item of 409,601 bytes; at most 400 KB (409,600 bytes) (${GUIDE}/Constraints.html)`,
    );
  });

  it('counts lists and maps with 3 bytes of overhead and 1 more per element', () => {
    // Prepare: the name "list" (4), 3 bytes, and 2 per boolean element; in a map, 1 more for the element.
    const list = (elements: number) => ({ L: Array.from({ length: elements }, () => ({ BOOL: true })) });

    // Act / Assess
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: { list: list(204_796) } })).toBeUndefined();
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: { list: list(204_797) } })).toMatch(
      /an item of 409,601 bytes/,
    );
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: { m: { M: { list: list(204_795) } } } })).toMatch(
      /an item of 409,602 bytes/,
    );
  });

  it('refuses an update whose plain SET values already pass 400 KB', () => {
    const input = { ...update('a'), ExpressionAttributeValues: { ':status': { S: 'x'.repeat(409_600) } } };
    expect(refusal('UpdateItemCommand', input)).toBe(
      `AwsLimitError: DynamoDB UpdateItem: an item of at least 409,616 bytes; at most 400 KB (409,600 bytes) (${GUIDE}/Constraints.html)`,
    );
  });

  it('holds numbers to 38 significant digits and the documented magnitude', () => {
    const put = (N: string) => refusal('PutItemCommand', { TableName: 'jobs', Item: { pk: { S: 'a' }, n: { N } } });
    const source = `${GUIDE}/HowItWorks.NamingRulesDataTypes.html`;
    expect(put(`1${'0'.repeat(40)}`)).toBeUndefined();
    expect(put('9.9999999999999999999999999999999999999E+125')).toBeUndefined();
    expect(put('1E-130')).toBeUndefined();
    expect(put('1'.repeat(39))).toBe(
      `AwsLimitError: DynamoDB PutItem: attribute n ${'1'.repeat(39)} with 39 significant digits; at most 38 (${source})`,
    );
    expect(put('1E126')).toBe(
      `AwsLimitError: DynamoDB PutItem: attribute n 1E126; a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125 (${source})`,
    );
    expect(put('1E-131')).toMatch(/attribute n 1E-131; a magnitude/);
  });

  it('refuses empty sets and sets with duplicates', () => {
    const source = `${GUIDE}/HowItWorks.NamingRulesDataTypes.html`;
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: { tags: { SS: [] } } })).toBe(
      `AwsLimitError: DynamoDB PutItem: attribute tags: an empty set; at least one element (${source})`,
    );
    expect(refusal('PutItemCommand', { TableName: 'jobs', Item: { nums: { NS: ['1', '1.0'] } } })).toBe(
      `AwsLimitError: DynamoDB PutItem: attribute nums: a set with duplicate elements; unique elements (${source})`,
    );
  });

  it('refuses expression attribute values and names declared but not used', () => {
    const values = { ...update('a'), ExpressionAttributeValues: { ':status': { S: 'x' }, ':unused': { S: 'y' } } };
    expect(refusal('UpdateItemCommand', values)).toBe(
      `AwsLimitError: DynamoDB UpdateItem: ExpressionAttributeValues declares :unused, which no expression uses; every declared placeholder used (${GUIDE}/Expressions.ExpressionAttributeValues.html)`,
    );
    const names = { ...update('a'), ExpressionAttributeNames: { '#status': 'status', '#x': 'x' } };
    expect(refusal('UpdateItemCommand', names)).toBe(
      `AwsLimitError: DynamoDB UpdateItem: ExpressionAttributeNames declares #x, which no expression uses; every declared placeholder used (${GUIDE}/Expressions.ExpressionAttributeNames.html)`,
    );
  });

  it('refuses placeholders used but not declared, and empty maps', () => {
    const query = {
      TableName: 'runs',
      KeyConditionExpression: '#pk = :id',
      ExpressionAttributeNames: { '#pk': 'pk' },
    };
    expect(refusal('QueryCommand', query)).toBe(
      `AwsLimitError: DynamoDB Query: :id used but not declared in ExpressionAttributeValues; every used placeholder declared (${GUIDE}/Expressions.ExpressionAttributeValues.html)`,
    );
    expect(refusal('GetItemCommand', { TableName: 'runs', Key: key('a'), ExpressionAttributeNames: {} })).toBe(
      `AwsLimitError: DynamoDB GetItem: an empty ExpressionAttributeNames; no map, or one with entries (${GUIDE}/Expressions.ExpressionAttributeNames.html)`,
    );
    expect(
      refusal('ScanCommand', {
        TableName: 'runs',
        FilterExpression: 'attribute_exists(#a)',
        ExpressionAttributeNames: { '#a': 'a' },
      }),
    ).toBeUndefined();
  });

  it('refuses a transaction with two actions on one item', () => {
    const input = {
      TransactItems: [
        { Update: update('a') },
        { ConditionCheck: { TableName: 'runs', Key: key('a'), ConditionExpression: 'attribute_exists(pk)' } },
      ],
    };
    expect(refusal('TransactWriteItemsCommand', input)).toBe(
      `AwsLimitError: DynamoDB TransactWriteItems: actions 0 and 1 on the same item (runs [["pk",{"S":"a"}],["sk",{"S":"run#1"}]]); no two actions on one item (${API}/API_TransactWriteItems.html)`,
    );
  });

  it("finds a Put's key from the other actions on its table", () => {
    const put = { Put: { TableName: 'runs', Item: { ...key('a'), status: { S: 'queued' } } } };
    expect(refusal('TransactWriteItemsCommand', { TransactItems: [{ Update: update('b') }, put] })).toBeUndefined();
    expect(refusal('TransactWriteItemsCommand', { TransactItems: [{ Update: update('a') }, put] })).toMatch(
      /actions 0 and 1 on the same item/,
    );
  });

  it('holds a transaction to 100 actions and its placeholders to the same rules', () => {
    const many = { TransactItems: Array.from({ length: 101 }, (_, i) => ({ Update: update(`id${i}`) })) };
    expect(refusal('TransactWriteItemsCommand', many)).toBe(
      `AwsLimitError: DynamoDB TransactWriteItems: 101 actions; at most 100 (${API}/API_TransactWriteItems.html)`,
    );
    const unused = { ...update('a'), ExpressionAttributeValues: { ':status': { S: 'x' }, ':lease': { N: '1' } } };
    expect(refusal('TransactWriteItemsCommand', { TransactItems: [{ Update: unused }] })).toBe(
      `AwsLimitError: DynamoDB TransactWriteItems: action 0: ExpressionAttributeValues declares :lease, which no expression uses; every declared placeholder used (${GUIDE}/Expressions.ExpressionAttributeValues.html)`,
    );
  });

  it('holds a transaction to 4 MB of items in all', () => {
    const big = (id: string) => ({
      Put: { TableName: 'jobs', Item: { pk: { S: id }, body: { S: 'x'.repeat(400_000) } } },
    });
    const input = { TransactItems: Array.from({ length: 11 }, (_, i) => big(`id${i}`)) };
    expect(refusal('TransactWriteItemsCommand', input)).toBe(
      `AwsLimitError: DynamoDB TransactWriteItems: items of at least 4,400,100 bytes in all; at most 4 MB (4,194,304 bytes) (${API}/API_TransactWriteItems.html)`,
    );
  });

  it('holds BatchWriteItem to 25 requests', () => {
    const requests = Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: { S: `id${i}` } } } }));
    expect(refusal('BatchWriteItemCommand', { RequestItems: { jobs: requests } })).toBe(
      `AwsLimitError: DynamoDB BatchWriteItem: 26 put and delete requests; at most 25 (${API}/API_BatchWriteItem.html)`,
    );
  });
});
