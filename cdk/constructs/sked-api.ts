import { Names, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';
import type { ApiAuthorization } from '../config';

export interface SkedApiProps {
  readonly handler: IFunction;
  readonly stageName: string;
  /** @default { type: 'iam' } */
  readonly authorization?: ApiAuthorization;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The jobs API: a regional REST API whose every route proxies to the API Lambda. Callers authenticate with SigV4
 * (AWS_IAM) by default, or with a Cognito user pool JWT; stage throttling, JSON access logs, execution logs and
 * X-Ray tracing are on.
 */
export class SkedApi extends Construct {
  readonly restApi: RestApi;

  constructor(scope: Construct, id: string, props: SkedApiProps) {
    super(scope, id);
    const authorization = props.authorization ?? { type: 'iam' };
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    this.restApi = new RestApi(this, 'RestApi', {
      // API Gateway metrics are keyed by name, not id: a name shared with another API would mix their 5xx counts.
      restApiName: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'sked jobs API',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: true,
      // The CloudWatch role is an account-wide API Gateway setting that other stacks' APIs use too: deleting a
      // throwaway stage must not take it away from them.
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });

    const methodOptions = this.methodOptions(authorization);
    const integration = new LambdaIntegration(props.handler);
    this.restApi.root.addMethod('ANY', integration, methodOptions);
    this.restApi.root.addProxy({
      defaultIntegration: integration,
      defaultMethodOptions: methodOptions,
      anyMethod: true,
    });

    acknowledgeNag(
      this.restApi,
      ...[
        {
          id: 'AwsSolutions-APIG2',
          reason:
            'Requests are validated by the API Lambda against the zod schemas, which answer with field-level RFC 9457 problems; a gateway validator would answer with a different error shape.',
        },
        {
          id: 'AwsSolutions-APIG3',
          reason:
            'Every method requires SigV4 (or a Cognito JWT) and the stage is throttled; a WAF web ACL is left to the deploying account, which can associate one with the stage.',
        },
        ...(authorization.type === 'iam'
          ? [
              {
                id: 'AwsSolutions-COG4',
                reason:
                  'Methods use AWS_IAM authorization by default; the Cognito authorizer is the configurable alternative.',
              },
            ]
          : []),
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
          reason:
            'API Gateway pushes its execution logs with the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented setup of the account-level CloudWatch role.',
        },
      ],
    );
  }

  private methodOptions(authorization: ApiAuthorization): MethodOptions {
    if (authorization.type === 'iam') return { authorizationType: AuthorizationType.IAM };
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [UserPool.fromUserPoolArn(this, 'UserPool', authorization.userPoolArn)],
    });
    return {
      authorizationType: AuthorizationType.COGNITO,
      authorizer,
      ...(authorization.scopes !== undefined && { authorizationScopes: [...authorization.scopes] }),
    };
  }
}
