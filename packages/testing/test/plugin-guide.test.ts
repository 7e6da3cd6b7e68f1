/**
 * docs/plugins.md's examples are type-checked against the current packages: each ```ts block is
 * written to a module of its own inside the repository (so `@actorwire/*` and `tap` resolve as
 * they do for a plugin here) and compiled with the repository's compiler options. A block that
 * no longer compiles fails this test, naming the block and the error.
 */
import t from 'tap';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
const guide = readFileSync(join(repo, 'docs/plugins.md'), 'utf8');

function typeCheck(sources: Array<{ name: string; code: string }>): Map<string, string[]> {
  const dir = join(repo, 'packages/testing/test', `.guide-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = sources.map(({ name, code }) => {
      const path = join(dir, `${name}.ts`);
      writeFileSync(path, code);
      return path;
    });
    const config = ts.getParsedCommandLineOfConfigFile(join(repo, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    const out = new Map<string, string[]>(sources.map((s) => [s.name, []]));
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const file = d.file?.fileName ?? '';
      const name = sources.find((s) => file.endsWith(`/${s.name}.ts`))?.name ?? 'other';
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      out.set(name, [...(out.get(name) ?? []), `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`]);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('every TypeScript example of docs/plugins.md compiles', async (t) => {
  const blocks = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, i) => ({ name: `example-${i + 1}`, code: m[1]! }));
  t.ok(blocks.length >= 7, `${blocks.length} examples found`);
  const errors = typeCheck(blocks);
  for (const b of blocks) {
    const title = b.code.split('\n').find((l) => l.includes('name:') || l.startsWith('t.test')) ?? b.code.split('\n')[0];
    t.same(errors.get(b.name), [], `${b.name} (${title?.trim()}) compiles`);
  }
  t.same(errors.get('other') ?? [], [], 'nothing else reported');
});

t.test('the check can fail: a block with a type error is reported', async (t) => {
  const errors = typeCheck([{ name: 'broken', code: "import { definePlugin } from '@actorwire/core';\nexport default definePlugin({ name: 'x', version: '1.0.0', kernel: '^0.2.0', register(ctx) { ctx.messages.define('a', { handle: ({ reply }) => reply(42) }); } });\n" }]);
  t.ok((errors.get('broken') ?? []).length > 0, `reported: ${(errors.get('broken') ?? []).join('; ')}`);
});
