import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOGICAL_ID_CONFIGS, logicalIdsOf } from './logical-ids.js';

/**
 * A changed logical id makes CloudFormation replace the resource on deploy (the table and its
 * history included): the ids and types of the synthesized templates are held to the list recorded
 * before the stack's constructor was split into parts.
 */
const RECORDED: Record<string, string[]> = JSON.parse(
  readFileSync(new URL('./fixtures/logical-ids.json', import.meta.url), 'utf8'),
);

describe('logical ids', () => {
  it.each(Object.keys(LOGICAL_ID_CONFIGS))('the %s stack keeps every logical id and type it had', (name) => {
    expect(logicalIdsOf(LOGICAL_ID_CONFIGS[name] ?? {})).toEqual(RECORDED[name]);
  });
});
