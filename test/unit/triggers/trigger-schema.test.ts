import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { triggerSchema } from '../../../lib/schemas/trigger';

describe('triggerSchema', () => {
  it.each([
    { type: 'cron', expression: '30 10 * * *', timezone: 'Asia/Shanghai' },
    { type: 'cron', hour: '7-23', minute: '0', month: '4-8,11-12' },
    { type: 'cron', hour: 10, minute: 30, second: 0 },
    { type: 'interval', minutes: 90 },
    { type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Europe/Paris' },
  ])('accepts %j', (input) => {
    // Prepare: the input (table row)

    // Act
    const result = triggerSchema.safeParse(input);

    // Assess
    expect(result.success).toBe(true);
    expect(result.data).toEqual(input);
  });

  it.each([
    ['an unknown type', { type: 'weekly' }, ['type']],
    ['an unknown cron field', { type: 'cron', hour: 1, week: 2 }, []],
    ['a fractional interval', { type: 'interval', minutes: 1.5 }, ['minutes']],
    ['a negative interval', { type: 'interval', hours: -1 }, ['hours']],
    ['an interval with a string', { type: 'interval', minutes: '5' }, ['minutes']],
    ['a date without runAt', { type: 'date' }, ['runAt']],
    ['an empty time zone', { type: 'date', runAt: '2030-01-01T09:00:00', timezone: '' }, ['timezone']],
    ['a boolean cron field', { type: 'cron', minute: true }, ['minute']],
  ])('rejects %s', (_name, input, path) => {
    // Prepare: the input (table row)

    // Act
    const result = triggerSchema.safeParse(input);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(path);
  });

  it('describes every field for the API document', () => {
    // Prepare
    const objects = triggerSchema.options;

    // Act
    const undescribed = objects.flatMap((object) =>
      Object.entries<z.ZodType>(object.shape)
        .filter(([, field]) => !field.description)
        .map(([name]) => `${object.shape.type.value}.${name}`),
    );

    // Assess
    expect(undescribed).toEqual([]);
  });
});
