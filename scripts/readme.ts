// Rewrites the generated blocks of README.md (`npm run readme`); __tests__/readme.test.ts fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsTable, renderTrustRules } from '../config/settings';
import { renderSecurityTable } from '../security/controls';
import { renderRequestMatrix } from '../security/request-catalog';

const GENERATED_BLOCKS: Record<string, () => string> = {
  settings: renderSettingsTable,
  trust: renderTrustRules,
  security: renderSecurityTable,
  requests: () => renderRequestMatrix(),
};

const path = join(__dirname, '..', 'README.md');
let text = readFileSync(path, 'utf8');
for (const [name, render] of Object.entries(GENERATED_BLOCKS)) {
  text = text.replace(new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(\\n<!-- ${name}:end -->)`), `$1${render()}$2`);
}
writeFileSync(path, text);
