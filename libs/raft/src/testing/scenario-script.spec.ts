import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScript, ScriptRunner } from './scenario-script';

const dir = join(__dirname, '..', '..', 'testdata');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.txt'));

describe('golden scenario scripts (libs/raft/testdata)', () => {
  test('there are scripts to run', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  test.each(scripts)('%s', (file) => {
    const runner = new ScriptRunner();
    for (const block of parseScript(readFileSync(join(dir, file), 'utf8'))) {
      const output = runner.run(block.command);
      expect({ at: `${file}:${block.line} ${block.command}`, output }).toEqual({ at: `${file}:${block.line} ${block.command}`, output: block.expected });
    }
  });

  test('a block without its separator is refused', () => {
    expect(() => parseScript('status\nnot a separator')).toThrow(/expected '----'/);
  });
});
