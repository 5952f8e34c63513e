#!/usr/bin/env node
// Scaffolds a workspace package with the standard shape (package.json, tsconfigs, README, src/index.ts).
// Usage: node scripts/new-package.mjs <dir> <@tributary/name> "<one-line description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [dir, name, description = ''] = process.argv.slice(2);
if (!dir || !name) {
  console.error('usage: node scripts/new-package.mjs <dir> <@tributary/name> "<description>"');
  process.exit(2);
}
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir}/package.json exists already`);
  process.exit(2);
}
const toRoot = relative(dir, '.') || '.';
mkdirSync(join(dir, 'src'), { recursive: true });

const pkg = {
  name,
  version: '0.0.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19.0' },
  exports: {
    '.': {
      '@tributary/source': './src/index.ts',
      types: './dist/index.d.ts',
      import: './dist/index.js',
    },
    './package.json': './package.json',
  },
  files: ['dist', 'src', '!src/**/*.test.ts', '!src/**/*.int.test.ts'],
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json',
    'check:exports': 'publint --strict && attw --pack . --profile esm-only',
  },
  publishConfig: { access: 'public' },
  repository: { type: 'git', url: 'git+https://github.com/tributary-dev/tributary.git', directory: dir },
};
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  join(dir, 'tsconfig.json'),
  `${JSON.stringify({ extends: `${toRoot}/tsconfig.base.json`, compilerOptions: { noEmit: true }, include: ['src', 'test', '*.ts'] }, null, 2)}\n`,
);
writeFileSync(
  join(dir, 'tsconfig.build.json'),
  `${JSON.stringify(
    {
      extends: `${toRoot}/tsconfig.base.json`,
      // Builds resolve other workspace packages through their built dist (no source condition).
      compilerOptions: { rootDir: 'src', outDir: 'dist', customConditions: [], noEmit: false },
      include: ['src'],
      exclude: [
        'src/**/*.test.ts',
        'src/**/*.int.test.ts',
        'src/**/*.bench.ts',
        'src/**/testing-fixtures/**',
      ],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  join(dir, 'README.md'),
  `# ${name}\n\n${description}\n\nPart of [Tributary](../README.md). Licensed under Apache-2.0.\n`,
);
writeFileSync(join(dir, 'src', 'index.ts'), `export {};\n`);
console.log(`created ${dir} (${name})`);
