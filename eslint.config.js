// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node globals for the few plain JavaScript files (TypeScript files are checked by tsc instead). */
const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  fetch: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  structuredClone: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
  module: 'writable',
  require: 'readonly',
};

/**
 * Design rule 9: shared code is imported through the package.json subpath import `#libs/...`, never by a
 * relative path that says how deep the caller sits. Inside libs/, a file may import its own lib folder
 * relatively (`./x.js`, `../x.js` within libs/<lib>/), but another lib only as `#libs/<other>/...`.
 */
const LIBS_MESSAGE = "Import shared code as '#libs/<lib>/<file>.js' (package.json \"imports\"), not by a relative path.";
const relativeIntoLibs = { regex: '^[.]{1,2}/(?:.*/)?libs/', message: LIBS_MESSAGE };
/** From a file N folders below libs/, N times `../` lands in libs/ itself: what follows is another lib. */
const libsDepthRules = [1, 2, 3, 4, 5].map((depth) => ({
  name: `project/libs-depth-${depth}`,
  files: [`libs/${'*/'.repeat(depth)}*.{ts,js,mjs}`],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [relativeIntoLibs, { regex: `^(?:[.][.]/){${depth}}(?![.][.]/)`, message: LIBS_MESSAGE }] },
    ],
  },
}));

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', '.data/', 'coverage/']),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    name: 'project/all',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names mark what is unused on purpose (positional parameters, destructured rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `() => {}` is how we swallow a rejection on purpose (`.catch(() => {})`) or stub a callback.
      '@typescript-eslint/no-empty-function': 'off',
      'no-restricted-imports': ['error', { patterns: [relativeIntoLibs] }],
    },
  },
  ...libsDepthRules,

  {
    // A few type-aware rules with a high bug-per-finding ratio. The full `recommendedTypeChecked` set
    // mostly flags `any` from JSON bodies; these catch un-awaited work (lost errors, unfinished writes).
    name: 'project/type-aware',
    // web/ files are checked against web/tsconfig.json (the project service takes the nearest tsconfig).
    files: ['**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },

  {
    // The web app keeps the session in memory only (issue 12): no browser storage, no cookies from script.
    name: 'project/web-session-in-memory',
    files: ['web/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'localStorage', message: 'The web app keeps nothing in browser storage (the session lives in memory only).' },
        { name: 'sessionStorage', message: 'The web app keeps nothing in browser storage (the session lives in memory only).' },
        { name: 'indexedDB', message: 'The web app keeps nothing in browser storage (the session lives in memory only).' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'localStorage', message: 'No browser storage in the web app.' },
        { object: 'window', property: 'sessionStorage', message: 'No browser storage in the web app.' },
        { object: 'document', property: 'cookie', message: 'The web app sets no cookies; the token stays in memory.' },
      ],
    },
  },

  {
    name: 'project/javascript',
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    name: 'project/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  {
    name: 'project/tests',
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
