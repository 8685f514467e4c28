// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/', '.bench-scratch/', '.torture-scratch/', 'test-results/', 'scratch-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // Private `#fields` and TS `private` are both fine; we use `private` for readability.
      '@typescript-eslint/no-extraneous-class': 'off',
      // With noUncheckedIndexedAccess on, `!` is how we state an invariant the types cannot
      // see (the single totals row exists; a non-empty array has a last element).
      '@typescript-eslint/no-non-null-assertion': 'off',
      // A return-type-only generic (`entry.json<Artist>()`) is how callers name the shape they parse.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
);
