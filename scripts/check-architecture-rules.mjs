#!/usr/bin/env node
/**
 * Proves that the dependency-cruiser rules in .dependency-cruiser.cjs actually fire.
 *
 * Copies src/, libs/, web/ and the configuration into a temporary directory (the working tree is never
 * touched), plants one violation per rule there, runs dependency-cruiser and checks that every planted
 * violation is reported under the expected rule, and that the allowed imports are not reported.
 *
 *   npm run check:architecture      (part of `npm run verify`; exit code 0 = every rule fires)
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Files planted in the copy, and the violations they must (or must not) cause. */
const probes = [
  {
    // an existing file of another module, with one import line added
    file: 'src/modules/certificates/certificates.module.ts',
    append: "import { UsersModule as ProbeUsersModule } from '../users/users.module.js';\nexport const probeUsersModule = ProbeUsersModule;\n",
    expect: [['no-cross-module-import', 'src/modules/users/users.module.ts']],
  },
  {
    file: 'src/modules/certificates/probe-cross-module.ts',
    code: "import { UsersModule } from '../users/users.module.js';\nexport const probe = UsersModule;\n",
    expect: [['no-cross-module-import', 'src/modules/users/users.module.ts']],
  },
  {
    file: 'src/modules/reporting/probe-cross-module-type-only.ts',
    code: "import type { User } from '../users/domain/user.js';\nexport type Probe = User;\n",
    expect: [['no-cross-module-import', 'src/modules/users/domain/user.ts']],
  },
  {
    file: 'src/modules/notifications/probe-contracts-allowed.ts',
    code: "import { Permissions } from '#libs/contracts/users/index.js';\nexport const probe = Permissions;\n",
    expect: [],
  },
  {
    file: 'libs/probe/probe-libs-to-src.ts',
    code: "import { UsersModule } from '../../src/modules/users/users.module.js';\nexport const probe = UsersModule;\n",
    expect: [['libs-not-to-src', 'src/modules/users/users.module.ts']],
  },
  {
    file: 'src/modules/users/domain/probe-domain-to-application.ts',
    code: "export * from '../application/user-views.js';\n",
    expect: [['domain-not-to-outer-layers', 'src/modules/users/application/user-views.ts']],
  },
  {
    file: 'src/modules/users/domain/probe-domain-to-frameworks.ts',
    code: [
      "import { Injectable } from '@nestjs/common';",
      "import { Entity } from '@mikro-orm/core';",
      "import type { Request } from 'express';",
      'export const probe = [Injectable, Entity];',
      'export type Probe = Request;',
      '',
    ].join('\n'),
    expect: [
      ['domain-not-to-frameworks', /node_modules\/@nestjs\/common\//],
      ['domain-not-to-frameworks', /node_modules\/@mikro-orm\/core\//],
      ['domain-not-to-frameworks', /(^|\/)express(\/|$)/],
    ],
  },
  {
    file: 'src/modules/users/domain/probe-domain-to-adapter-lib.ts',
    code: "export * from '#libs/outbox/outbox.js';\n",
    expect: [['domain-not-to-adapter-libs', 'libs/outbox/outbox.ts']],
  },
  {
    file: 'src/modules/users/domain/probe-domain-pure-libs-allowed.ts',
    code: [
      "import { invalid } from '#libs/errors/domain-error.js';",
      "import { translate } from '#libs/i18n/i18n.js';",
      "import { Permissions } from '#libs/contracts/users/index.js';",
      'export const probe = [invalid, translate, Permissions];',
      '',
    ].join('\n'),
    expect: [],
  },
  {
    file: 'libs/contracts/probe-a/index.ts',
    code: "import { b } from '../probe-b/index.js';\nexport const a = () => b;\n",
    expect: [['no-circular', 'libs/contracts/probe-b/index.ts']],
  },
  {
    file: 'libs/contracts/probe-b/index.ts',
    code: "import { a } from '../probe-a/index.js';\nexport const b = () => a;\n",
    expect: [], // a cycle is reported once, at the first module of the cycle
  },
  {
    file: 'src/modules/users/probe-unresolvable.ts',
    code: [
      "export * from './does-not-exist.js';",
      "export * from '#libs/does-not-exist.js';",
      "export * from 'a-package-that-is-not-installed';",
      '',
    ].join('\n'),
    expect: [
      ['not-to-unresolvable', './does-not-exist.js'],
      ['not-to-unresolvable', '#libs/does-not-exist.js'],
      ['not-to-unresolvable', 'a-package-that-is-not-installed'],
    ],
  },
  {
    file: 'src/modules/users/probe-to-composition-root.ts',
    code: "export * from '../../platform/health.controller.js';\n",
    expect: [['module-not-to-composition-root', 'src/platform/health.controller.ts']],
  },
  {
    file: 'src/platform/probe-platform-to-module.ts',
    code: "export * from '../modules/users/users.module.js';\n",
    expect: [['only-composition-root-to-modules', 'src/modules/users/users.module.ts']],
  },
  {
    // the web app talks to the product only over HTTP
    file: 'web/src/probe-web-to-server.tsx',
    code: "export * from '../../libs/contracts/users/index.js';\nexport * from '../../src/platform/openapi.js';\n",
    expect: [
      ['web-only-through-the-api', 'libs/contracts/users/index.ts'],
      ['web-only-through-the-api', 'src/platform/openapi.ts'],
    ],
  },
  {
    file: 'web/src/probe-web-allowed.tsx',
    code: "export * from './app/api';\nexport * from './routes';\n",
    expect: [],
  },
  {
    file: 'src/platform/probe-server-to-web.ts',
    code: "export * from '../../web/src/app/i18n';\n",
    expect: [['server-not-to-web', 'web/src/app/i18n.tsx']],
  },
];

function cruise(cwd) {
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'), 'src', 'libs', 'web/src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (!run.stdout) throw new Error(`dependency-cruiser produced no output:\n${run.stderr}`);
  const result = JSON.parse(run.stdout);
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

const key = (v) => `${v.rule} ${v.from} -> ${v.to}`;
const work = mkdtempSync(join(tmpdir(), 'depcruise-probe-'));
let failures = 0;
try {
  for (const entry of ['src', 'libs', 'web']) cpSync(join(root, entry), join(work, entry), { recursive: true });
  for (const entry of ['.dependency-cruiser.cjs', 'tsconfig.json', 'package.json']) cpSync(join(root, entry), join(work, entry));
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');

  const baseline = cruise(work);
  const known = new Set(baseline.map(key));
  if (baseline.length > 0) {
    console.log(`note: the current tree already has ${baseline.length} violation(s); they are ignored below:`);
    for (const v of baseline) console.log(`  ${key(v)}`);
  }

  for (const probe of probes) {
    mkdirSync(dirname(join(work, probe.file)), { recursive: true });
    if (probe.append) appendFileSync(join(work, probe.file), `\n${probe.append}`);
    else writeFileSync(join(work, probe.file), probe.code);
  }
  const planted = cruise(work).filter((v) => !known.has(key(v)));

  for (const probe of probes) {
    const found = planted.filter((v) => v.from === probe.file);
    for (const [rule, to] of probe.expect) {
      const hit = found.find((v) => v.rule === rule && (to instanceof RegExp ? to.test(v.to) : v.to === to));
      console.log(`${hit ? 'ok  ' : 'FAIL'} ${probe.file}: ${rule} -> ${to}`);
      if (!hit) failures += 1;
    }
    const unexpected = found.filter((v) => !probe.expect.some(([rule, to]) => v.rule === rule && (to instanceof RegExp ? to.test(v.to) : v.to === to)));
    for (const v of unexpected) {
      console.log(`FAIL ${probe.file}: unexpected ${v.rule} -> ${v.to}`);
      failures += 1;
    }
    if (probe.expect.length === 0 && unexpected.length === 0) console.log(`ok   ${probe.file}: allowed, not reported`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(failures === 0 ? '\nevery architecture rule fires' : `\n${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
