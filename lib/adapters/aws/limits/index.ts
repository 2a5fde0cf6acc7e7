export { AwsLimitError } from './aws-limit-error';
export {
  AWS_LIMITS_MIDDLEWARE_NAME,
  attachAwsLimits,
  awsLimitsMiddleware,
  awsLimitsPlugin,
  checkAwsLimits,
  withAwsLimits,
  type AwsLimitsOptions,
  type CommandCall,
  type GuardableClient,
} from './aws-limits-middleware';
