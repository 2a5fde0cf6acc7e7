import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';

/**
 * DynamoDB expressions built from a description, with their placeholders generated. An attribute gets one name
 * placeholder (`#status`) however often the request's expressions use it; each value gets its own (`:v0`, `:v1`,
 * numbered in the order the expressions are written). Only what the expressions reference is declared, since
 * DynamoDB rejects a request that declares an unused name or value, and a request with none declares no map.
 */

/** Values are marshalled as the adapters marshall their items: undefined members of maps and lists are left out. */
const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

class Placeholders {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, AttributeValue> = {};
  private valueCount = 0;

  name(attribute: string): string {
    const known = this.names.get(attribute);
    if (known !== undefined) return known;
    // Placeholders are alphanumeric; attributes that only differ by other characters get a numbered suffix.
    const stem = `#${attribute.replace(/[^A-Za-z0-9]/g, '') || 'name'}`;
    const taken = new Set(this.names.values());
    let placeholder = stem;
    for (let suffix = 1; taken.has(placeholder); suffix++) placeholder = `${stem}${suffix}`;
    this.names.set(attribute, placeholder);
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = convertToAttr(value as NativeAttributeValue, MARSHALL_OPTIONS);
    return placeholder;
  }

  declarations(): Pick<RenderedExpressions, 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    const names = Object.fromEntries([...this.names].map(([attribute, placeholder]) => [placeholder, attribute]));
    return {
      ...(this.names.size > 0 && { ExpressionAttributeNames: names }),
      ...(this.valueCount > 0 && { ExpressionAttributeValues: this.values }),
    };
  }
}

/** How tightly a condition binds as an operand: DynamoDB evaluates NOT before AND before OR. */
type Binding = 'or' | 'and' | 'tight';
const PRECEDENCE: Record<Binding, number> = { or: 0, and: 1, tight: 2 };

/** A condition, key condition or filter; built with the functions below. */
export class Condition {
  constructor(
    readonly binding: Binding,
    readonly render: (placeholders: Placeholders) => string,
  ) {}

  /** This condition as an operand of an operator that binds as tightly as `operator`: in parentheses if looser. */
  renderWithin(operator: Binding, placeholders: Placeholders): string {
    const text = this.render(placeholders);
    return PRECEDENCE[this.binding] < PRECEDENCE[operator] ? `(${text})` : text;
  }
}

function comparison(operator: string) {
  return (attribute: string, value: unknown): Condition =>
    new Condition('tight', (p) => `${p.name(attribute)} ${operator} ${p.value(value)}`);
}

export const equals = comparison('=');
export const notEquals = comparison('<>');
export const lessThan = comparison('<');
export const lessThanOrEqual = comparison('<=');
export const greaterThan = comparison('>');
export const greaterThanOrEqual = comparison('>=');

export function attributeExists(attribute: string): Condition {
  return new Condition('tight', (p) => `attribute_exists(${p.name(attribute)})`);
}

export function attributeNotExists(attribute: string): Condition {
  return new Condition('tight', (p) => `attribute_not_exists(${p.name(attribute)})`);
}

export function beginsWith(attribute: string, prefix: string): Condition {
  return new Condition('tight', (p) => `begins_with(${p.name(attribute)}, ${p.value(prefix)})`);
}

/** A string attribute containing a substring, or a set or list attribute containing a member. */
export function contains(attribute: string, operand: unknown): Condition {
  return new Condition('tight', (p) => `contains(${p.name(attribute)}, ${p.value(operand)})`);
}

function joined(operator: 'AND' | 'OR', binding: Binding, conditions: readonly Condition[]): Condition {
  const [first, ...rest] = conditions;
  if (first === undefined) throw new Error(`${operator} needs at least one condition`);
  if (rest.length === 0) return first;
  return new Condition(binding, (p) =>
    conditions.map((condition) => condition.renderWithin(binding, p)).join(` ${operator} `),
  );
}

/** All of the conditions; one condition alone is returned as it is. */
export function and(...conditions: readonly Condition[]): Condition {
  return joined('AND', 'and', conditions);
}

/** Any of the conditions; one condition alone is returned as it is. */
export function or(...conditions: readonly Condition[]): Condition {
  return joined('OR', 'or', conditions);
}

export function not(condition: Condition): Condition {
  return new Condition('tight', (p) => `NOT ${condition.renderWithin('tight', p)}`);
}

/** The right-hand side of a SET action that DynamoDB computes, as opposed to a value to store. */
export class SetOperand {
  constructor(readonly render: (placeholders: Placeholders) => string) {}
}

/** `if_not_exists(attribute, fallback)`: the attribute's current value, or the fallback when it has none. */
export function ifNotExists(attribute: string, fallback: unknown): SetOperand {
  return new SetOperand((p) => `if_not_exists(${p.name(attribute)}, ${p.value(fallback)})`);
}

/** `attribute + amount`: the attribute's current value (which must exist) plus a number. */
export function plus(attribute: string, amount: number): SetOperand {
  return new SetOperand((p) => `${p.name(attribute)} + ${p.value(amount)}`);
}

export interface UpdateActions {
  /** Attributes to set, to a value or a computed operand; an undefined value sets nothing. */
  readonly set?: Readonly<Record<string, unknown>>;
  readonly remove?: readonly string[];
  /** Numbers to add to number attributes, or members to add to set attributes; an undefined value adds nothing. */
  readonly add?: Readonly<Record<string, unknown>>;
}

function renderUpdate(actions: UpdateActions, p: Placeholders): string {
  const defined = (entries: Readonly<Record<string, unknown>> = {}) =>
    Object.entries(entries).filter(([, value]) => value !== undefined);
  const sets = defined(actions.set).map(
    ([attribute, value]) => `${p.name(attribute)} = ${value instanceof SetOperand ? value.render(p) : p.value(value)}`,
  );
  const removes = (actions.remove ?? []).map((attribute) => p.name(attribute));
  const adds = defined(actions.add).map(([attribute, value]) => `${p.name(attribute)} ${p.value(value)}`);
  return [
    ...(sets.length > 0 ? [`SET ${sets.join(', ')}`] : []),
    ...(removes.length > 0 ? [`REMOVE ${removes.join(', ')}`] : []),
    ...(adds.length > 0 ? [`ADD ${adds.join(', ')}`] : []),
  ].join(' ');
}

export interface ExpressionParts {
  readonly keyCondition?: Condition | undefined;
  readonly filter?: Condition | undefined;
  readonly update?: UpdateActions | undefined;
  readonly condition?: Condition | undefined;
}

/** The expression members of a DynamoDB request, to spread into its input. */
export interface RenderedExpressions {
  KeyConditionExpression?: string;
  FilterExpression?: string;
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/**
 * The expressions of one request, sharing one set of placeholders. Parts left undefined are left out, so a filter
 * or condition that only applies sometimes can be passed as `undefined` otherwise.
 */
export function expressions(
  parts: ExpressionParts & { readonly update: UpdateActions },
): RenderedExpressions & { UpdateExpression: string };
export function expressions(parts: ExpressionParts): RenderedExpressions;
export function expressions(parts: ExpressionParts): RenderedExpressions {
  const p = new Placeholders();
  // Object members are evaluated in order: the declarations come last, once every expression has been rendered.
  return {
    ...(parts.keyCondition !== undefined && { KeyConditionExpression: parts.keyCondition.render(p) }),
    ...(parts.filter !== undefined && { FilterExpression: parts.filter.render(p) }),
    ...(parts.update !== undefined && { UpdateExpression: renderUpdate(parts.update, p) }),
    ...(parts.condition !== undefined && { ConditionExpression: parts.condition.render(p) }),
    ...p.declarations(),
  };
}
