import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '.tools/', '.venv/', '.local-cloud/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The AWS SDK is reached through adapters: only they, the composition roots that build the clients, and the
    // tooling around the deployment (scripts, bench, tests) import it.
    files: ['lib/**/*.ts', 'functions/**/*.ts', 'cdk/**/*.ts', 'cli/**/*.ts'],
    ignores: ['lib/adapters/**', 'lib/composition/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*'],
              message: 'Import the AWS SDK only in lib/adapters/ (or a composition root in lib/composition/).',
            },
          ],
        },
      ],
    },
  },
  {
    // The pure core: no AWS SDK, middy, CDK or process.env; it depends on domain and ports only.
    files: ['lib/domain/**/*.ts', 'lib/ports/**/*.ts', 'lib/use-cases/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@aws-sdk/*',
                '@smithy/*',
                '@aws-crypto/*',
                '@middy/*',
                'aws-cdk-lib',
                'aws-cdk-lib/*',
                'constructs',
                '@aws-lambda-powertools/*',
              ],
              message: 'The pure core imports no AWS SDK, middy, CDK or Powertools.',
            },
            {
              group: ['**/adapters/**', '**/functions/**'],
              message: 'The pure core does not depend on adapters or entry points.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'The pure core reads no environment; config arrives through parameters.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
