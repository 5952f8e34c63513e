import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApiReference } from './api-reference.js';
import { changelogPage } from './changelog.js';
import { workspacePackages } from './workspace-packages.js';

/**
 * Writes the generated pages of the site before `vitepress build|dev`: the API reference
 * (docs/api/, TypeDoc) and the changelog (docs/changelog.md, changesets). Both are gitignored.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = join(repoRoot, 'docs');
const packages = workspacePackages(repoRoot);

const started = Date.now();
writeFileSync(
  join(docsDir, 'changelog.md'),
  changelogPage(repoRoot, new Map(packages.map((p) => [p.name, p.dir]))),
);
await generateApiReference(repoRoot, packages, join(docsDir, 'api'));
console.warn(
  `docs: generated API reference and changelog in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
