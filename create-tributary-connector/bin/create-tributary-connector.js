#!/usr/bin/env node
// npm create tributary-connector@latest my-connector
// Copies template/ into a new directory and fills in the package name and the versions of
// Tributary and the tools (this package's own devDependencies: one place to keep them current).
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = new URL('..', import.meta.url);
const templateDir = new URL('template/', here);
const self = JSON.parse(readFileSync(new URL('package.json', here), 'utf8'));

const [target, ...rest] = process.argv.slice(2);
if (target === undefined || target.startsWith('-') || rest.length > 0) {
  process.stderr.write('usage: npm create tributary-connector@latest <directory>\n');
  process.exit(2);
}
const dir = resolve(target);
const name = basename(dir);
if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) {
  process.stderr.write(`"${name}" is not a valid npm package name (lower case, no spaces)\n`);
  process.exit(2);
}
if (existsSync(dir) && readdirSync(dir).length > 0) {
  process.stderr.write(`${dir} exists and is not empty\n`);
  process.exit(2);
}

const templatePath = fileURLToPath(templateDir);
cpSync(templatePath, dir, {
  recursive: true,
  // Relative to the template: this package itself is inside a node_modules when npm runs it.
  filter: (src) => !/(^|[\\/])(node_modules|dist)([\\/]|$)/.test(relative(templatePath, src)),
});
// npm never packs a file named .gitignore, and a nested package.json would be taken for part of
// this package (its exports, its type), so the template carries both under other names.
renameSync(join(dir, '_gitignore'), join(dir, '.gitignore'));
renameSync(join(dir, '_package.json'), join(dir, 'package.json'));

/**
 * The version range this package was published with for `dependency`.
 * @param {string} dependency
 */
function versionOf(dependency) {
  const range = self.devDependencies?.[dependency];
  if (typeof range !== 'string' || range.startsWith('workspace:')) {
    throw new Error(`create-tributary-connector has no published version for ${dependency}`);
  }
  return range;
}

const manifestPath = join(dir, 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.name = name;
for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
  for (const dependency of Object.keys(manifest[field] ?? {}))
    manifest[field][dependency] = versionOf(dependency);
}
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
const readmePath = join(dir, 'README.md');
writeFileSync(readmePath, readFileSync(readmePath, 'utf8').replaceAll('tributary-connector-template', name));

const cd = relative(process.cwd(), dir) || '.';
process.stdout.write(
  `Created ${name} in ${dir}\n\nNext:\n  cd ${cd}\n  npm install\n  npm test        # unit tests and the contract suites\n  npm run build\n`,
);
