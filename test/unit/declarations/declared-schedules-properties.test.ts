import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DeclarationTooLargeError,
  declarationFromProperties,
  declarationProperties,
  MAX_DECLARATION_PROPERTY_BYTES,
  PLAIN_DECLARATION_MAX_BYTES,
} from '../../../lib/handlers/declared-schedules-properties';

const job = (id: string, payload: Record<string, unknown> = {}) => ({
  id,
  trigger: { type: 'interval', seconds: 30 },
  target: { type: 'task', task: 'report.write', payload },
});

describe('the declared schedules in the custom resource properties', () => {
  it('carries a small declaration as readable JSON whose numbers stay numbers', () => {
    // Prepare
    const declaration = { jobs: [job('heartbeat')] };

    // Act
    const properties = declarationProperties('stack S', declaration);

    // Assess
    expect(properties).toEqual({ Source: 'stack S', Declaration: JSON.stringify(declaration) });
    expect(declarationFromProperties(properties)).toEqual({ source: 'stack S', declaration });
  });

  it('gzips a large declaration and reads it back as it was', () => {
    // Prepare
    const declaration = { jobs: Array.from({ length: 400 }, (_, index) => job(`job-${index}`, { title: 'daily' })) };
    expect(JSON.stringify(declaration).length).toBeGreaterThan(PLAIN_DECLARATION_MAX_BYTES);

    // Act
    const properties = declarationProperties('stack S', declaration);

    // Assess
    expect(Object.keys(properties).sort()).toEqual(['DeclarationGzip', 'Source']);
    expect(properties.DeclarationGzip?.length).toBeLessThan(MAX_DECLARATION_PROPERTY_BYTES / 4);
    expect(declarationFromProperties(properties)).toEqual({ source: 'stack S', declaration });
  });

  it('refuses a declaration too large for a custom resource even once compressed, saying what to do', () => {
    // Prepare: random payloads do not compress
    const declaration = {
      jobs: Array.from({ length: 60 }, (_, index) => job(`job-${index}`, { noise: randomBytes(1024).toString('hex') })),
    };

    // Act
    const attempt = () => declarationProperties('stack S', declaration);

    // Assess
    expect(attempt).toThrow(DeclarationTooLargeError);
    expect(attempt).toThrow(/60 jobs.*over the 65536 a custom resource can carry.*sked apply -f FILE/);
  });

  it('says which property is missing', () => {
    // Act / Assess
    expect(() => declarationFromProperties({ Declaration: '{}' })).toThrow('has no Source property');
    expect(() => declarationFromProperties({ Source: 'stack S' })).toThrow(
      'has neither a Declaration nor a DeclarationGzip property',
    );
    expect(() => declarationFromProperties({ Source: 'stack S', Declaration: '{' })).toThrow(
      'the declaration is not valid JSON',
    );
  });
});
