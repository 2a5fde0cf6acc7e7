import { describe, expect, it } from 'vitest';
import {
  and,
  attributeExists,
  attributeNotExists,
  beginsWith,
  contains,
  equals,
  expressions,
  greaterThan,
  greaterThanOrEqual,
  ifNotExists,
  lessThan,
  lessThanOrEqual,
  not,
  notEquals,
  or,
  plus,
  type RenderedExpressions,
} from '../../../lib/adapters/aws/dynamodb-expression';

/** Every placeholder the request declares, and every one its expressions use. */
function placeholdersOf(request: RenderedExpressions): { declared: string[]; used: string[] } {
  const text = [
    request.KeyConditionExpression,
    request.FilterExpression,
    request.UpdateExpression,
    request.ConditionExpression,
  ].join(' ');
  return {
    declared: [
      ...Object.keys(request.ExpressionAttributeNames ?? {}),
      ...Object.keys(request.ExpressionAttributeValues ?? {}),
    ].sort(),
    used: [...new Set(text.match(/[#:][A-Za-z0-9]+/g))].sort(),
  };
}

describe('DynamoDB expressions', () => {
  it('renders SET, REMOVE and ADD actions with a condition, one placeholder per attribute across both', () => {
    // Prepare
    const update = {
      set: { state: 'completed', version: plus('version', 1), attempts: ifNotExists('attempts', 0) },
      remove: ['leaseUntil', 'token'],
      add: { redrives: 1 },
    };
    const condition = and(equals('state', 'enabled'), equals('version', 3));

    // Act
    const request = expressions({ update, condition });

    // Assess
    expect(request).toEqual({
      UpdateExpression:
        'SET #state = :v0, #version = #version + :v1, #attempts = if_not_exists(#attempts, :v2) ' +
        'REMOVE #leaseUntil, #token ADD #redrives :v3',
      ConditionExpression: '#state = :v4 AND #version = :v5',
      ExpressionAttributeNames: {
        '#state': 'state',
        '#version': 'version',
        '#attempts': 'attempts',
        '#leaseUntil': 'leaseUntil',
        '#token': 'token',
        '#redrives': 'redrives',
      },
      ExpressionAttributeValues: {
        ':v0': { S: 'completed' },
        ':v1': { N: '1' },
        ':v2': { N: '0' },
        ':v3': { N: '1' },
        ':v4': { S: 'enabled' },
        ':v5': { N: '3' },
      },
    });
  });

  it('declares neither name nor value for an attribute whose SET value is undefined', () => {
    // Prepare
    const reason: string | undefined = undefined;

    // Act
    const request = expressions({ update: { set: { status: 'failed', reason }, remove: ['token'] } });

    // Assess
    expect(request).toEqual({
      UpdateExpression: 'SET #status = :v0 REMOVE #token',
      ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
      ExpressionAttributeValues: { ':v0': { S: 'failed' } },
    });
  });

  it('leaves out the values map when the expressions use no value, and both maps when they use nothing', () => {
    // Act
    const nameOnly = expressions({ condition: attributeNotExists('sk'), filter: undefined });
    const nothing = expressions({});

    // Assess
    expect(nameOnly).toEqual({
      ConditionExpression: 'attribute_not_exists(#sk)',
      ExpressionAttributeNames: { '#sk': 'sk' },
    });
    expect(nothing).toEqual({});
  });

  it('renders a key condition and a filter for a Query, numbering values in that order', () => {
    // Act
    const request = expressions({
      keyCondition: and(equals('entity', 'job'), beginsWith('groupId', 'reports#')),
      filter: and(equals('state', 'enabled'), contains('tags', 'nightly')),
    });

    // Assess
    expect(request).toEqual({
      KeyConditionExpression: '#entity = :v0 AND begins_with(#groupId, :v1)',
      FilterExpression: '#state = :v2 AND contains(#tags, :v3)',
      ExpressionAttributeNames: { '#entity': 'entity', '#groupId': 'groupId', '#state': 'state', '#tags': 'tags' },
      ExpressionAttributeValues: {
        ':v0': { S: 'job' },
        ':v1': { S: 'reports#' },
        ':v2': { S: 'enabled' },
        ':v3': { S: 'nightly' },
      },
    });
  });

  it('renders every comparison and attribute function', () => {
    // Act
    const request = expressions({
      condition: and(
        notEquals('a', 1),
        lessThan('b', 2),
        lessThanOrEqual('c', 3),
        greaterThan('d', 4),
        greaterThanOrEqual('e', 5),
        attributeExists('f'),
      ),
    });

    // Assess
    expect(request.ConditionExpression).toBe(
      '#a <> :v0 AND #b < :v1 AND #c <= :v2 AND #d > :v3 AND #e >= :v4 AND attribute_exists(#f)',
    );
  });

  it('parenthesises an operand only where DynamoDB would bind it otherwise', () => {
    // Prepare
    const [a, b, c] = [attributeExists('a'), attributeExists('b'), attributeExists('c')];

    // Act
    const rendered = [
      and(a, or(b, c)),
      or(and(a, b), c),
      not(and(a, b)),
      not(a),
      and(not(a), b),
      and(a),
      or(a, not(or(b, c))),
    ].map((condition) => expressions({ condition }).ConditionExpression);

    // Assess
    expect(rendered).toEqual([
      'attribute_exists(#a) AND (attribute_exists(#b) OR attribute_exists(#c))',
      'attribute_exists(#a) AND attribute_exists(#b) OR attribute_exists(#c)',
      'NOT (attribute_exists(#a) AND attribute_exists(#b))',
      'NOT attribute_exists(#a)',
      'NOT attribute_exists(#a) AND attribute_exists(#b)',
      'attribute_exists(#a)',
      'attribute_exists(#a) OR NOT (attribute_exists(#b) OR attribute_exists(#c))',
    ]);
  });

  it('refuses AND and OR over no conditions', () => {
    // Act / Assess
    expect(() => and()).toThrow('AND needs at least one condition');
    expect(() => or()).toThrow('OR needs at least one condition');
  });

  it('marshalls values as marshall does with removeUndefinedValues', () => {
    // Prepare
    const error = { class: 'TimeoutError', message: 'took too long', category: 'timeout' };
    const result = { ok: true, items: [1, 'two', null], note: undefined };

    // Act
    const request = expressions({ update: { set: { error, result } } });

    // Assess
    expect(request.ExpressionAttributeValues).toEqual({
      ':v0': { M: { class: { S: 'TimeoutError' }, message: { S: 'took too long' }, category: { S: 'timeout' } } },
      ':v1': { M: { ok: { BOOL: true }, items: { L: [{ N: '1' }, { S: 'two' }, { NULL: true }] } } },
    });
  });

  it('gives attributes that only differ by characters a placeholder cannot hold placeholders of their own', () => {
    // Act
    const request = expressions({ update: { remove: ['a-b', 'ab', 'a.b', '-'] } });

    // Assess
    expect(request).toEqual({
      UpdateExpression: 'REMOVE #ab, #ab1, #ab2, #name',
      ExpressionAttributeNames: { '#ab': 'a-b', '#ab1': 'ab', '#ab2': 'a.b', '#name': '-' },
    });
  });

  it('declares exactly the placeholders its expressions use', () => {
    // Prepare
    const requests = [
      expressions({
        update: { set: { status: 'running', redrives: undefined, attempts: ifNotExists('attempts', 0) } },
        condition: or(attributeNotExists('leaseUntil'), lessThan('leaseUntil', 5), equals('holder', 'r1')),
      }),
      expressions({ keyCondition: equals('jobId', 'j1'), filter: undefined }),
      expressions({ update: { remove: ['holder'] }, condition: equals('token', 't') }),
      expressions({ condition: not(attributeExists('id')) }),
    ];

    // Act
    const placeholders = requests.map(placeholdersOf);

    // Assess
    for (const { declared, used } of placeholders) expect(declared).toEqual(used);
  });
});
