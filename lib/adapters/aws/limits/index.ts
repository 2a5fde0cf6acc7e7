// Whatever loads the guard can have the composition roots attach it.
import './register';

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
