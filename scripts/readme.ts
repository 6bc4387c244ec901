// Rewrites the generated blocks of README.md and docs/ (`npm run readme`); __tests__/readme.test.ts fails when
// they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformDataSource, TerraformResource, type TerraformStack, Testing } from 'cdktf';
import { loadConfig } from '../config/load';
import { renderSettingsTable, renderTrustRules } from '../config/settings';
import { renderSecurityTable } from '../security/controls';
import { renderRequestMatrix } from '../security/request-catalog';
import { buildApp } from '../stacks/app';

const ROOT = join(__dirname, '..');

/** Every generated block, by the file (relative to the project root) that holds it. */
export const GENERATED_BLOCKS: Record<string, Record<string, () => string>> = {
  'README.md': {
    diagram: renderBootstrapDiagram,
    settings: renderSettingsTable,
    trust: renderTrustRules,
    security: renderSecurityTable,
  },
  'docs/security.md': { requests: () => renderRequestMatrix() },
};

/** What lies between `<!-- name:start -->` and `<!-- name:end -->` in text (group 2). */
export function blockPattern(name: string): RegExp {
  return new RegExp(`(<!-- ${name}:start -->\\n)([\\s\\S]*?)(\\n<!-- ${name}:end -->)`);
}

/**
 * The bootstrap stack as a Mermaid flowchart: one node per top-level construct listing its Terraform resources,
 * one arrow per construct whose resources reference another's. Synthesized with the defaults for real AWS (no
 * settings, no config file: `docs/` holds none), so a user's own settings never change the README.
 */
export function renderBootstrapDiagram(): string {
  const config = loadConfig({ env: {}, cwd: join(ROOT, 'docs'), projectId: '00000000-0000-4000-8000-000000000000' });
  const stack = buildApp(config, Testing.app()).node.findChild('bootstrap') as TerraformStack;
  const synthesized = JSON.parse(Testing.synth(stack)) as Record<string, Record<string, Record<string, unknown>>>;
  const groups = new Map<string, string[]>();
  const groupOf = new Map<string, string>();
  const bodies = new Map<string, unknown>();
  for (const element of stack.node.findAll()) {
    // cdktf's own checks, not instanceof: CDK Terrain's provider package brings a second copy of the core (cdktn).
    const data = TerraformDataSource.isTerraformDataSource(element);
    if (!data && !TerraformResource.isTerraformResource(element)) continue;
    const type = element.terraformResourceType;
    const address = `${data ? 'data.' : ''}${type}.${element.friendlyUniqueId}`;
    const group = element.node.path.split('/')[1];
    groups.set(group, [...(groups.get(group) ?? []), type]);
    groupOf.set(address, group);
    bodies.set(address, synthesized[data ? 'data' : 'resource'][type][element.friendlyUniqueId]);
  }
  const edges = new Set<string>();
  for (const [address, body] of bodies) {
    for (const [, target] of JSON.stringify(body).matchAll(/\$\{((?:data\.)?aws_\w+\.[\w-]+)/g)) {
      const [from, to] = [groupOf.get(address), groupOf.get(target)];
      if (to !== undefined && to !== from) edges.add(`  ${nodeId(from!)} --> ${nodeId(to)}`);
    }
  }
  const nodes = [...groups].map(([group, types]) => {
    const counted = [...new Set(types)].map((type) => {
      const count = types.filter((t) => t === type).length;
      return count > 1 ? `${type} × ${count}` : type;
    });
    return `  ${nodeId(group)}["<b>${group}</b><br/>${counted.join('<br/>')}"]`;
  });
  return ['```mermaid', 'flowchart LR', ...nodes, ...[...edges].sort(), '```'].join('\n');
}

// Mermaid reads `-` next to an arrow as part of it.
function nodeId(group: string): string {
  return group.replaceAll('-', '_');
}

if (require.main === module) {
  for (const [file, blocks] of Object.entries(GENERATED_BLOCKS)) {
    const path = join(ROOT, file);
    let text = readFileSync(path, 'utf8');
    for (const [name, render] of Object.entries(blocks))
      text = text.replace(blockPattern(name), (_, start, _old, end) => start + render() + end);
    writeFileSync(path, text);
  }
}
