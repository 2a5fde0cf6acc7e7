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
    // The pure core: no AWS SDK, middy, CDK or process.env (HOUSE-STYLE habit 1).
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
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
