/**
 * Architecture rules, checked in CI by `npm run depcruise` (part of `npm run verify`).
 * Design rule 1 ("Rules that keep it easy to change"): modules talk only through commands, queries
 * and events; a module imports another module's contracts from `libs/contracts/<module>`, never its files.
 *
 * Composition root: src/app.module.ts, src/bootstrap.ts, src/main.ts and src/database/ wire the modules
 * together and may import module files. Nothing else outside a module may.
 *
 * @type {import('dependency-cruiser').IConfiguration}
 */
const TEST_FILE = '[.](?:spec|test)[.](?:js|mjs|cjs|ts|mts|cts)$';

module.exports = {
  forbidden: [
    // (a) module boundaries
    {
      name: 'no-cross-module-import',
      severity: 'error',
      comment:
        'A module may not import files of another module. Use the other module\'s public contract in ' +
        'libs/contracts/<module> (commands, queries, integration events) instead.',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'module-not-to-composition-root',
      severity: 'error',
      comment:
        'A module may not import the composition root or the platform (src/app.module.ts, src/bootstrap.ts, ' +
        'src/main.ts, src/database/, src/platform/). Dependencies point inwards: the root imports modules.',
      from: { path: '^src/modules/' },
      to: { path: '^src/', pathNot: '^src/modules/' },
    },
    {
      name: 'only-composition-root-to-modules',
      severity: 'error',
      comment:
        'Only the composition root (src/app.module.ts, src/bootstrap.ts, src/main.ts, src/database/) may ' +
        'import module files. Platform code talks to modules through libs/contracts.',
      from: {
        path: '^src/',
        pathNot: ['^src/modules/', '^src/app[.]module[.]ts$', '^src/bootstrap[.]ts$', '^src/main[.]ts$', '^src/database/'],
      },
      to: { path: '^src/modules/' },
    },

    // (b) libs are shared code without business rules: they never depend on the application
    {
      name: 'libs-not-to-src',
      severity: 'error',
      comment: 'libs/ holds code without business rules and may not import anything from src/.',
      from: { path: '^libs/' },
      to: { path: '^src/' },
    },

    // (b2) the web app calls only the public REST API; the product never imports the web app
    {
      name: 'web-only-through-the-api',
      severity: 'error',
      comment:
        'web/ is a browser app that talks to the product only over its REST API (typed from the OpenAPI ' +
        'document in web/src/api/schema.d.ts). It may not import server code from src/ or libs/.',
      from: { path: '^web/' },
      to: { path: '^(?:src|libs)/' },
    },
    {
      name: 'server-not-to-web',
      severity: 'error',
      comment: 'The server serves the built web app (dist/web) as files; it does not import its sources.',
      from: { path: '^(?:src|libs)/' },
      to: { path: '^web/' },
    },

    // (c) the domain is pure
    {
      name: 'domain-not-to-outer-layers',
      severity: 'error',
      comment:
        "A module's domain/ may not import its application/, infrastructure/ or interface/ layers, " +
        'nor the module\'s Nest module file.',
      from: { path: '^src/modules/([^/]+)/domain/' },
      to: {
        path: ['^src/modules/$1/(?:application|infrastructure|interface)/', '^src/modules/$1/[^/]+[.]module[.]ts$'],
      },
    },
    {
      name: 'domain-not-to-frameworks',
      severity: 'error',
      comment:
        'The domain is plain TypeScript: no Nest, no MikroORM, no Express. Keep invariants where a unit ' +
        'test can reach them without a framework or a database.',
      from: { path: '^src/modules/[^/]+/domain/' },
      to: {
        // Resolved packages (node_modules/...) and, should resolution fail, bare names.
        path: ['(?:^|/)node_modules/(?:@nestjs|@mikro-orm)/', '(?:^|/)node_modules/express/', '^@nestjs/', '^@mikro-orm/', '^express$'],
      },
    },
    {
      name: 'domain-not-to-adapter-libs',
      severity: 'error',
      comment:
        'The domain may use pure shared code from libs/ (errors, i18n, contracts, value helpers such as ' +
        'libs/spreadsheet/cell-text), but not the libs that wrap frameworks or I/O: auth, config, database, ' +
        'demo, http, logging, outbox, redis, runtime, or any Nest *.module.ts. Those belong in application/ ' +
        'or infrastructure/.',
      from: { path: '^src/modules/[^/]+/domain/' },
      to: {
        path: ['^libs/(?:auth|config|database|demo|http|logging|outbox|redis|runtime)/', '^libs/.+[.]module[.]ts$'],
      },
    },

    // (d) no cycles
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'This dependency is part of a cycle. Cycles between modules (or through libs/contracts) make the ' +
        'modules impossible to change or extract independently; break them with an event or a contract.',
      from: {},
      to: { circular: true },
    },

    // (e) everything imported must exist
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'This module depends on a module that cannot be found on disk (a wrong relative path, a file that ' +
        'was moved, or a package that is not installed). Type-only imports count too.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment:
        "This module depends on an npm package that isn't in package.json. It may not be there in production " +
        '(or with another version). Add it to "dependencies".',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['type-only'] },
    },

    // hygiene
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment:
        'Production code may not depend on a devDependency at run time (it is pruned from the Docker image). ' +
        'Spec files and type-only imports are fine.',
      from: { path: '^(?:src|libs)/', pathNot: TEST_FILE },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: 'node_modules/@types/' },
    },
    {
      name: 'not-to-spec',
      severity: 'error',
      comment: 'Do not import spec/test files; move what you need into a helper.',
      from: {},
      to: { path: TEST_FILE },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^dist/', '^[.]data/', '^coverage/'] },
    moduleSystems: ['es6', 'cjs'],
    // Type-only imports (`import type`) and imports erased by tsc still count as dependencies.
    tsPreCompilationDeps: true,
    // Resolution as tsc does it (module: nodenext). dependency-cruiser itself falls back from `./x.js` to
    // `./x.ts` when the .js file does not exist, which is how our ESM sources import each other.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['credential-import-source', 'import', 'require', 'node', 'default', 'types'],
      // .tsx and extension-less imports: the web app (web/src, bundled by Vite, moduleResolution bundler).
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      archi: {
        collapsePattern: '^(?:src/modules|libs(?:/contracts)?)/[^/]+|^src/[^/]+|node_modules/(?:@[^/]+/[^/]+|[^/]+)',
      },
    },
  },
};
