// Runs Shopify's Theme Check (the pinned @shopify/theme-check-node, with its theme app
// extension config) on theme-extension/ and exits non-zero on any error. The package has no
// command-line entry of its own, hence this script.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { themeCheckRun, Severity } from '@shopify/theme-check-node';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', 'theme-extension');
const config = path.join(here, 'theme-check.yml');

// Theme Check may try to refresh its Liquid docs from the network; the bundled copy is
// what we check against (runs offline), so its log lines are only noise.
const { offenses } = await themeCheckRun(root, config, () => {});
const names = ['error', 'warning', 'info'];
for (const o of offenses) {
  const file = path.relative(root, fileURLToPath(o.uri));
  console.log(`${names[o.severity] ?? o.severity}: ${file}:${o.start.line + 1}: ${o.check}: ${o.message}`);
}
const errors = offenses.filter((o) => o.severity === Severity.ERROR).length;
console.log(`theme-check: ${offenses.length} offenses, ${errors} errors`);
process.exit(errors ? 1 : 0);
