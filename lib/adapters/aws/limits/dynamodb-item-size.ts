import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { decimalShape, utf8Bytes } from './limit-rules';

/**
 * DynamoDB item sizes as AWS's item-size page estimates them
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
 */

export type Item = Record<string, AttributeValue>;

/** A number's stored size: about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  return Math.ceil((decimalShape(text)?.significantDigits.length ?? 0) / 2) + 1;
}

/** The size of a value as the item-size page estimates it. */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + utf8Bytes(text), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, text) => sum + numberBytes(text), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, bytes) => sum + bytes.byteLength, 0);
  // Lists and maps: 3 bytes, and 1 more per element.
  if (value.L !== undefined) return value.L.reduce((sum, element) => sum + valueBytes(element) + 1, 3);
  if (value.M !== undefined) {
    return Object.entries(value.M).reduce((sum, [name, element]) => sum + utf8Bytes(name) + valueBytes(element) + 1, 3);
  }
  return 0;
}

/** An item's size: the lengths of its attribute names and values. */
export function itemBytes(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8Bytes(name) + valueBytes(value), 0);
}

/** The top-level attribute an update path writes, with its `#name` placeholder resolved. */
function topAttribute(path: string, names: Record<string, string> | undefined): { name: string; nested: boolean } {
  const trimmed = path.trim();
  const first = trimmed.split(/[.[]/)[0] ?? trimmed;
  const name = first.startsWith('#') ? (names?.[first] ?? first) : first;
  return { name, nested: first.length < trimmed.length };
}

/** Splits at top-level commas (not inside function calls or list indexes). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '(' || char === '[') depth++;
    else if (char === ')' || char === ']') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * A lower bound of the item an UpdateItem leaves: its key plus each attribute its SET clause assigns a plain value
 * (`path = :value`). Values computed in the expression (`if_not_exists`, `list_append`, `+`) and what the item
 * already holds are not counted.
 */
export function updatedItemLowerBound(
  input: Pick<
    UpdateItemCommandInput,
    'Key' | 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  >,
): number {
  const key = input.Key ?? {};
  let bytes = itemBytes(key);
  const clauses = (input.UpdateExpression ?? '').split(/\b(SET|REMOVE|ADD|DELETE)\b/i);
  for (let index = 1; index < clauses.length; index += 2) {
    if ((clauses[index] ?? '').toUpperCase() !== 'SET') continue;
    for (const assignment of splitTopLevel(clauses[index + 1] ?? '')) {
      const [path = '', operand = ''] = assignment.split('=');
      const value = input.ExpressionAttributeValues?.[operand.trim()];
      if (value === undefined) continue;
      const attribute = topAttribute(path, input.ExpressionAttributeNames);
      if (Object.hasOwn(key, attribute.name)) continue;
      bytes += attribute.nested ? valueBytes(value) + 1 : utf8Bytes(attribute.name) + valueBytes(value);
    }
  }
  return bytes;
}
