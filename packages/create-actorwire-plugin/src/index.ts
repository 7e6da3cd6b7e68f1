/**
 * The files of a new, standalone Actorwire plugin package: TypeScript sources, a build to
 * `dist/` with types, tests on a real server (`node:test` + `@actorwire/testing`), `@actorwire/core`
 * as a peer, a README and a LICENSE. What `npx create-actorwire-plugin <name>` writes.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ScaffoldOptions {
  /** The npm package name: `my-plugin`, `actorwire-plugin-dice`, `@acme/actorwire-plugin-dice`. */
  packageName: string;
  /** Where to write; must not exist or be empty. */
  dir: string;
  /** The kernel range the plugin declares and the version of `@actorwire/core` / `@actorwire/testing` it develops against. */
  coreVersion: string;
  /** The copyright holder in LICENSE (default: the package's scope, or "the authors"). */
  author?: string;
}

export class ScaffoldError extends Error {
  constructor(readonly code: 'INVALID_NAME' | 'NOT_EMPTY', message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

/** npm's rules for a new package name (lower case, URL-safe, at most 214 characters). */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The plugin's own name (what config sections and `dependsOn` use): the package name without scope and `actorwire-plugin-`. */
export function pluginNameOf(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/^actorwire-plugin-/, '');
}

export function checkPackageName(packageName: string): void {
  if (packageName.length > 214 || !PACKAGE_NAME.test(packageName)) {
    throw new ScaffoldError('INVALID_NAME', `"${packageName}" is not a valid npm package name (lower-case letters, digits and . _ ~ -, optionally @scope/)`);
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(pluginNameOf(packageName))) {
    throw new ScaffoldError('INVALID_NAME', `"${packageName}" gives the plugin name "${pluginNameOf(packageName)}"; a plugin name is lower-case letters, digits and . _ -`);
  }
}

/** Write the package; returns the paths written, relative to `dir`. */
export function scaffold(o: ScaffoldOptions): string[] {
  checkPackageName(o.packageName);
  if (existsSync(o.dir) && readdirSync(o.dir).length > 0) throw new ScaffoldError('NOT_EMPTY', `${o.dir} exists and is not empty: choose another directory`);
  const files = templates(o);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(o.dir, path)), { recursive: true });
    writeFileSync(join(o.dir, path), text);
  }
  return Object.keys(files);
}

function templates(o: ScaffoldOptions): Record<string, string> {
  const plugin = pluginNameOf(o.packageName);
  const kernel = `^${o.coreVersion.replace(/^[^\d]*/, '').split('.').slice(0, 2).join('.')}.0`;
  const author = o.author ?? (o.packageName.startsWith('@') ? o.packageName.slice(1, o.packageName.indexOf('/')) : 'the authors');
  const type = `${plugin}.hello`;
  const pkg = {
    name: o.packageName,
    version: '0.1.0',
    description: `An Actorwire plugin: ${plugin}`,
    type: 'module',
    license: 'MIT',
    keywords: ['actorwire', 'actorwire-plugin'],
    engines: { node: '>=20.6' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
    files: ['dist', '!dist/*.tsbuildinfo', 'README.md', 'LICENSE'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      // The tests import the built package by its own name, as its users will.
      test: 'npm run build && tsc -p tsconfig.json && node --test build-test/*.test.js',
      prepack: 'npm run build',
    },
    peerDependencies: { '@actorwire/core': kernel },
    devDependencies: {
      '@actorwire/core': o.coreVersion,
      '@actorwire/testing': o.coreVersion,
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
    },
  };
  const base = {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'],
    strict: true, noUncheckedIndexedAccess: true, esModuleInterop: true, skipLibCheck: true, declaration: true, sourceMap: true,
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.build.json': `${JSON.stringify({ compilerOptions: { ...base, rootDir: 'src', outDir: 'dist' }, include: ['src'] }, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions: { ...base, rootDir: 'test', outDir: 'build-test', declaration: false }, include: ['test'] }, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\nbuild-test/\n*.tgz\n',
    'src/index.ts': `/**
 * ${o.packageName}: an Actorwire plugin. \`{"type":"${type}","name":"Ada","id":"1"}\` answers
 * \`{"type":"${plugin}.greeting","data":"Hello, Ada!","id":"1"}\`.
 */
import { definePlugin, packageInfo, protocolError, type InboundMessage } from '@actorwire/core';

export interface Options {
  /** The greeting's first word. Env ${envName(plugin)}_GREETING. */
  greeting: string;
  /** Longest name accepted. */
  maxNameLength: number;
}

interface HelloMessage extends InboundMessage {
  type: '${type}';
  name?: string;
}

const { version } = packageInfo(import.meta.url);

export default definePlugin<Options>({
  name: '${plugin}',
  version,
  kernel: '${kernel}',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      greeting: { type: 'string', minLength: 1, default: 'Hello' },
      maxNameLength: { type: 'integer', minimum: 1, default: 64 },
    },
  },
  optionsFromEnv: (env) => (env.${envName(plugin)}_GREETING ? { greeting: env.${envName(plugin)}_GREETING } : {}),
  register(ctx, options) {
    ctx.messages.define<HelloMessage>('${type}', {
      schema: { type: 'object', properties: { name: { type: 'string' } } },
      handle({ message, session, reply }) {
        const name = message.name ?? session.identity?.userId ?? 'stranger';
        if (name.length > options.maxNameLength) throw protocolError('INVALID_MESSAGE', \`name: at most \${options.maxNameLength} characters\`);
        reply({ type: '${plugin}.greeting', data: \`\${options.greeting}, \${name}!\` });
      },
    });
  },
});
`,
    'test/plugin.test.ts': `/** The built plugin, imported by its package name, on a real server (127.0.0.1, an ephemeral port) with a real WebSocket client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '@actorwire/testing';
import plugin from '${o.packageName}';

test('${type} answers a greeting with the request id', async (t) => {
  const srv = await startTestServer({ plugins: [plugin] });
  t.after(() => srv.stop());
  const client = await srv.connect('/ws');
  const answer = await client.request({ type: '${type}', name: 'Ada' });
  assert.equal(answer.type, '${plugin}.greeting');
  assert.equal(answer.data, 'Hello, Ada!');
});

test('options: the greeting is configurable; a name too long is refused with a clear error', async (t) => {
  const srv = await startTestServer({ plugins: [[plugin, { greeting: 'Hi', maxNameLength: 3 }]] });
  t.after(() => srv.stop());
  const client = await srv.connect('/ws');
  assert.equal((await client.request({ type: '${type}', name: 'Bo' })).data, 'Hi, Bo!');
  const refused = await client.request({ type: '${type}', name: 'Bartholomew' });
  assert.equal(refused.type, 'error');
  assert.equal(refused.code, 'INVALID_MESSAGE');
});
`,
    'README.md': `# ${o.packageName}

An [Actorwire](https://www.npmjs.com/package/@actorwire/core) plugin.

\`\`\`sh
npm install ${o.packageName}
ACTORWIRE_PLUGINS=auth,rooms,${o.packageName} npx actorwire
\`\`\`

| message | answer |
|---|---|
| \`{"type":"${type}","name":"Ada","id":"1"}\` | \`{"type":"${plugin}.greeting","data":"Hello, Ada!","id":"1"}\` |

## Options

| option | env | default |
|---|---|---|
| \`greeting\` | \`${envName(plugin)}_GREETING\` | \`Hello\` |
| \`maxNameLength\` | – | 64 |

## Develop

\`\`\`sh
npm install
npm test        # build, then the tests against a real server (they import the package by its name)
npm run build   # dist/ with types
\`\`\`
`,
    LICENSE: `MIT License

Copyright (c) ${new Date().getFullYear()} ${author}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`,
  };
}

/** `my-plugin` → `MY_PLUGIN`: the prefix of the plugin's variables. */
function envName(plugin: string): string {
  return plugin.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
