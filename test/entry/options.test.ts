import { describe, expect, it } from 'vitest';
import { type OptionTypes, readOptions } from '../../lambda/entry/options.js';

const OPTIONS: OptionTypes = {
  region: { type: 'string' },
  stack: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

describe('readOptions', () => {
  it('reads a value given as the next argument or after =', () => {
    expect(readOptions(['--region', 'eu-west-1', '--stack=Monitor'], OPTIONS).values).toEqual(
      new Map([
        ['region', ['eu-west-1']],
        ['stack', ['Monitor']],
      ]),
    );
  });

  it('keeps every value of a flag given twice, in order, for the command to judge', () => {
    expect(readOptions(['--region', 'a', '--region', 'b'], OPTIONS).values.get('region')).toEqual(['a', 'b']);
  });

  it('reads a switch in its long and short form', () => {
    expect(readOptions(['--json', '-h'], OPTIONS).switches).toEqual(new Set(['json', 'help']));
  });

  it('never takes a flag as a value: the flag lacks one, and the next still counts', () => {
    const read = readOptions(['--region', '--json', '--stack', 'Monitor'], OPTIONS);
    expect(read.problems).toEqual([{ kind: 'needs-value', flag: '--region' }]);
    expect(read.switches).toEqual(new Set(['json']));
    expect(read.values.get('stack')).toEqual(['Monitor']);
  });

  it('never takes a value that starts with -- after = either', () => {
    expect(readOptions(['--region=--json'], OPTIONS).problems).toEqual([
      { kind: 'needs-value', flag: '--region' },
    ]);
  });

  it('takes a value that starts with a single dash, such as a negative number', () => {
    expect(readOptions(['--region', '-5'], OPTIONS).values.get('region')).toEqual(['-5']);
  });

  it('reports a flag at the end without its value', () => {
    expect(readOptions(['--stack'], OPTIONS).problems).toEqual([{ kind: 'needs-value', flag: '--stack' }]);
  });

  it('names every unknown flag without its value', () => {
    expect(readOptions(['--verbose', '--secret=s3cret'], OPTIONS).problems).toEqual([
      { kind: 'unknown', flag: '--verbose' },
      { kind: 'unknown', flag: '--secret' },
    ]);
  });

  it('refuses a value given to a switch, naming the switch', () => {
    expect(readOptions(['--json=yes'], OPTIONS).problems).toEqual([{ kind: 'unknown', flag: '--json' }]);
  });

  it('keeps the other arguments as positionals', () => {
    expect(readOptions(['main', '--json', 'extra'], OPTIONS).positionals).toEqual(['main', 'extra']);
  });
});
