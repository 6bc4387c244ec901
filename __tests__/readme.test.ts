import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsTable, renderTrustRules } from '../config/settings';
import { renderSecurityTable } from '../security/controls';
import { renderRequestMatrix } from '../security/request-catalog';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

function block(name: string): string {
  const match = readme.match(new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`));
  if (!match) throw new Error(`README.md has no ${name} block`);
  return match[1];
}

describe('README', () => {
  test('documents every setting exactly as the code defines it', () => {
    expect(block('settings')).toBe(renderSettingsTable());
  });
  test('states where each setting may come from exactly as the loader enforces it', () => {
    expect(block('trust')).toBe(renderTrustRules());
  });
  test('the request matrix shows every catalog row and its decision exactly as the simulation test checks them', () => {
    expect(block('requests')).toBe(renderRequestMatrix());
  });
  test('the security table shows every control and every accepted checkov finding exactly as the code and skip list hold them', () => {
    expect(block('security')).toBe(renderSecurityTable());
  });
  test('gives a newcomer exactly two set-up lines: the main job and the tests', () => {
    const firstBlock = readme.match(/```sh\n([\s\S]*?)```/);
    expect(firstBlock?.[1].trim().split('\n')).toHaveLength(2);
    expect(firstBlock?.[1]).toMatch(/npm test/);
  });
});
