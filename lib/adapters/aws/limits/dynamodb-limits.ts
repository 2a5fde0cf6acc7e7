import type {
  AttributeValue,
  BatchWriteItemCommandInput,
  DeleteItemCommandInput,
  GetItemCommandInput,
  PutItemCommandInput,
  QueryCommandInput,
  ScanCommandInput,
  TransactWriteItemsCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { itemBytes, updatedItemLowerBound, type Item } from './dynamodb-item-size';
import { decimalShape, formatNumber, refuse, type OperationRule, type ServiceRules } from './limit-rules';

const GUIDE = 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide';
const API = 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference';
export const DYNAMODB_SOURCES = {
  itemSizes: `${GUIDE}/CapacityUnitCalculations.html`,
  constraints: `${GUIDE}/Constraints.html`,
  dataTypes: `${GUIDE}/HowItWorks.NamingRulesDataTypes.html`,
  expressionNames: `${GUIDE}/Expressions.ExpressionAttributeNames.html`,
  expressionValues: `${GUIDE}/Expressions.ExpressionAttributeValues.html`,
  transactWriteItems: `${API}/API_TransactWriteItems.html`,
  batchWriteItem: `${API}/API_BatchWriteItem.html`,
} as const;

/** DynamoDB's sizes are binary: 1 KB = 1,024 bytes. */
const MAX_ITEM_BYTES = 400 * 1024;
const MAX_TRANSACTION_ACTIONS = 100;
const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
const MAX_BATCH_WRITES = 25;
const NUMBER_DIGITS = 38;
/** Positive numbers run from 1E-130 to 9.99...E+125 (negative ones mirror them). */
const NUMBER_MIN_EXPONENT = -130;
const NUMBER_MAX_EXPONENT = 125;

function checkNumber(text: string, what: string): void {
  const source = DYNAMODB_SOURCES.dataTypes;
  const shape = decimalShape(text);
  if (shape === undefined) refuse(source, `${what} "${text}"`, 'a number');
  if (shape.zero) return;
  if (shape.significantDigits.length > NUMBER_DIGITS) {
    refuse(
      source,
      `${what} ${text} with ${shape.significantDigits.length} significant digits`,
      `at most ${NUMBER_DIGITS}`,
    );
  }
  if (shape.exponent > NUMBER_MAX_EXPONENT || shape.exponent < NUMBER_MIN_EXPONENT) {
    refuse(source, `${what} ${text}`, 'a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125');
  }
}

/** 1, 1.0 and 10E-1 are one number in a set. */
function numberIdentity(text: string): string {
  const shape = decimalShape(text);
  if (shape === undefined || shape.zero) return '0';
  return `${text.trim().startsWith('-') ? '-' : ''}${shape.significantDigits}e${shape.exponent}`;
}

function checkSet(members: readonly string[], what: string): void {
  if (members.length === 0) refuse(DYNAMODB_SOURCES.dataTypes, `${what}: an empty set`, 'at least one element');
  if (new Set(members).size !== members.length) {
    refuse(DYNAMODB_SOURCES.dataTypes, `${what}: a set with duplicate elements`, 'unique elements');
  }
}

/** Numbers in range and sets non-empty and unique, all the way down. */
function checkValue(value: AttributeValue, what: string): void {
  if (value.N !== undefined) checkNumber(value.N, what);
  if (value.SS !== undefined) checkSet(value.SS, what);
  if (value.NS !== undefined) {
    value.NS.forEach((text) => checkNumber(text, what));
    checkSet(value.NS.map(numberIdentity), what);
  }
  if (value.BS !== undefined)
    checkSet(
      value.BS.map((bytes) => Buffer.from(bytes).toString('base64')),
      what,
    );
  value.L?.forEach((element, index) => checkValue(element, `${what}[${index}]`));
  for (const [name, element] of Object.entries(value.M ?? {})) checkValue(element, `${what}.${name}`);
}

function checkItemValues(item: Item | undefined, where: string): void {
  for (const [name, value] of Object.entries(item ?? {})) checkValue(value, `${where}attribute ${name}`);
}

function checkItemSize(bytes: number, where: string, approximate = ''): void {
  if (bytes > MAX_ITEM_BYTES) {
    refuse(
      DYNAMODB_SOURCES.constraints,
      `${where}an item of ${approximate}${formatNumber(bytes)} bytes`,
      `at most 400 KB (${formatNumber(MAX_ITEM_BYTES)} bytes)`,
    );
  }
}

/** The expressions of one request (or one transaction action) and the placeholders they declare. */
interface Expressions {
  readonly expressions: readonly (string | undefined)[];
  readonly ExpressionAttributeNames?: Record<string, string> | undefined;
  readonly ExpressionAttributeValues?: Item | undefined;
}

/**
 * DynamoDB refuses a request that declares a placeholder no expression uses, uses one it does not declare, or
 * declares an empty map.
 */
function checkPlaceholders(part: Expressions, where: string): void {
  const text = part.expressions.filter((expression) => expression !== undefined).join(' ');
  const declarations = [
    ['ExpressionAttributeNames', part.ExpressionAttributeNames, /#[A-Za-z0-9_]+/g, DYNAMODB_SOURCES.expressionNames],
    ['ExpressionAttributeValues', part.ExpressionAttributeValues, /:[A-Za-z0-9_]+/g, DYNAMODB_SOURCES.expressionValues],
  ] as const;
  for (const [field, declared, pattern, source] of declarations) {
    const used = new Set(text.match(pattern) ?? []);
    if (declared !== undefined && Object.keys(declared).length === 0) {
      refuse(source, `${where}an empty ${field}`, 'no map, or one with entries');
    }
    for (const placeholder of Object.keys(declared ?? {})) {
      if (!used.has(placeholder)) {
        refuse(
          source,
          `${where}${field} declares ${placeholder}, which no expression uses`,
          'every declared placeholder used',
        );
      }
    }
    for (const placeholder of used) {
      if (declared === undefined || !Object.hasOwn(declared, placeholder)) {
        refuse(source, `${where}${placeholder} used but not declared in ${field}`, 'every used placeholder declared');
      }
    }
  }
  for (const [placeholder, value] of Object.entries(part.ExpressionAttributeValues ?? {})) {
    checkValue(value, `${where}expression value ${placeholder}`);
  }
}

const putItem: OperationRule<PutItemCommandInput> = (input) => {
  const item = input.Item ?? {};
  checkItemValues(item, '');
  checkItemSize(itemBytes(item), '');
  checkPlaceholders({ ...input, expressions: [input.ConditionExpression] }, '');
};

const updateItem: OperationRule<UpdateItemCommandInput> = (input) => {
  checkItemValues(input.Key, 'key ');
  checkPlaceholders({ ...input, expressions: [input.UpdateExpression, input.ConditionExpression] }, '');
  checkItemSize(updatedItemLowerBound(input), '', 'at least ');
};

const deleteItem: OperationRule<DeleteItemCommandInput> = (input) => {
  checkItemValues(input.Key, 'key ');
  checkPlaceholders({ ...input, expressions: [input.ConditionExpression] }, '');
};

const getItem: OperationRule<GetItemCommandInput> = (input) => {
  checkItemValues(input.Key, 'key ');
  checkPlaceholders({ ...input, expressions: [input.ProjectionExpression] }, '');
};

const query: OperationRule<QueryCommandInput> = (input) => {
  checkItemValues(input.ExclusiveStartKey, 'ExclusiveStartKey ');
  checkPlaceholders(
    { ...input, expressions: [input.KeyConditionExpression, input.FilterExpression, input.ProjectionExpression] },
    '',
  );
};

const scan: OperationRule<ScanCommandInput> = (input) => {
  checkItemValues(input.ExclusiveStartKey, 'ExclusiveStartKey ');
  checkPlaceholders({ ...input, expressions: [input.FilterExpression, input.ProjectionExpression] }, '');
};

/** One action of a transaction: the item it targets and the bytes it writes. */
interface Action {
  readonly table: string;
  /** The key for Update, Delete and ConditionCheck; the whole item for Put (its key is found below). */
  readonly key?: Item;
  readonly item?: Item;
  readonly bytes: number;
}

function actionOf(entry: NonNullable<TransactWriteItemsCommandInput['TransactItems']>[number], where: string): Action {
  if (entry.Put !== undefined) {
    const item = entry.Put.Item ?? {};
    checkItemValues(item, where);
    const bytes = itemBytes(item);
    checkItemSize(bytes, where);
    checkPlaceholders({ ...entry.Put, expressions: [entry.Put.ConditionExpression] }, where);
    return { table: entry.Put.TableName ?? '', item, bytes };
  }
  if (entry.Update !== undefined) {
    checkItemValues(entry.Update.Key, `${where}key `);
    checkPlaceholders(
      { ...entry.Update, expressions: [entry.Update.UpdateExpression, entry.Update.ConditionExpression] },
      where,
    );
    const bytes = updatedItemLowerBound(entry.Update);
    checkItemSize(bytes, where, 'at least ');
    return { table: entry.Update.TableName ?? '', key: entry.Update.Key ?? {}, bytes };
  }
  const keyed = entry.Delete ?? entry.ConditionCheck;
  if (keyed === undefined) return { table: '', bytes: 0 };
  checkItemValues(keyed.Key, `${where}key `);
  checkPlaceholders({ ...keyed, expressions: [keyed.ConditionExpression] }, where);
  const key = keyed.Key ?? {};
  return { table: keyed.TableName ?? '', key, bytes: itemBytes(key) };
}

/** A key as text, attribute order aside. */
function keyText(key: Item): string {
  return JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * No two actions may target the same item. A Put carries its whole item; its key attributes are those the
 * transaction's other actions on the same table name in their keys. Puts on a table no other action keys are
 * compared by their whole items, which can miss two Puts of one key with different attributes.
 */
function checkDistinctItems(actions: readonly Action[]): void {
  const keyNames = new Map<string, string[]>();
  for (const action of actions) {
    if (action.key !== undefined && !keyNames.has(action.table)) keyNames.set(action.table, Object.keys(action.key));
  }
  const seen = new Map<string, number>();
  actions.forEach((action, index) => {
    const names = keyNames.get(action.table);
    const key =
      action.key ??
      (names === undefined
        ? (action.item ?? {})
        : Object.fromEntries(
            names
              .filter((name) => action.item?.[name] !== undefined)
              .map((name) => [name, action.item?.[name] as AttributeValue]),
          ));
    const identity = `${action.table} ${keyText(key)}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      refuse(
        DYNAMODB_SOURCES.transactWriteItems,
        `actions ${first} and ${index} on the same item (${identity})`,
        'no two actions on one item',
      );
    }
    seen.set(identity, index);
  });
}

const transactWriteItems: OperationRule<TransactWriteItemsCommandInput> = (input) => {
  const source = DYNAMODB_SOURCES.transactWriteItems;
  const entries = input.TransactItems ?? [];
  if (entries.length === 0) refuse(source, 'no actions', 'at least 1');
  if (entries.length > MAX_TRANSACTION_ACTIONS)
    refuse(source, `${entries.length} actions`, `at most ${MAX_TRANSACTION_ACTIONS}`);
  const actions = entries.map((entry, index) => actionOf(entry, `action ${index}: `));
  checkDistinctItems(actions);
  const total = actions.reduce((sum, action) => sum + action.bytes, 0);
  if (total > MAX_TRANSACTION_BYTES) {
    refuse(
      source,
      `items of at least ${formatNumber(total)} bytes in all`,
      `at most 4 MB (${formatNumber(MAX_TRANSACTION_BYTES)} bytes)`,
    );
  }
};

const batchWriteItem: OperationRule<BatchWriteItemCommandInput> = (input) => {
  const requests = Object.entries(input.RequestItems ?? {}).flatMap(([table, writes]) =>
    writes.map((write, index) => ({ where: `${table} request ${index}: `, write })),
  );
  if (requests.length > MAX_BATCH_WRITES) {
    refuse(
      DYNAMODB_SOURCES.batchWriteItem,
      `${requests.length} put and delete requests`,
      `at most ${MAX_BATCH_WRITES}`,
    );
  }
  for (const { where, write } of requests) {
    const item = write.PutRequest?.Item;
    if (item !== undefined) {
      checkItemValues(item, where);
      checkItemSize(itemBytes(item), where);
    }
    checkItemValues(write.DeleteRequest?.Key, `${where}key `);
  }
};

export const DYNAMODB_RULES: ServiceRules = {
  service: 'DynamoDB',
  clientName: 'DynamoDBClient',
  operations: {
    PutItem: putItem,
    UpdateItem: updateItem,
    DeleteItem: deleteItem,
    GetItem: getItem,
    Query: query,
    Scan: scan,
    TransactWriteItems: transactWriteItems,
    BatchWriteItem: batchWriteItem,
  },
};
