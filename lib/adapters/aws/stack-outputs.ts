import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The outputs of a CloudFormation stack, by key; undefined when the stack does not exist. */
export async function readStackOutputs(
  stackName: string,
  options: { readonly region?: string; readonly endpoint?: string } = {},
): Promise<Record<string, string> | undefined> {
  const client = new CloudFormationClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  });
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Stacks[0]?.Outputs ?? [];
    return Object.fromEntries(
      outputs.flatMap((output) =>
        output.OutputKey !== undefined && output.OutputValue !== undefined
          ? [[output.OutputKey, output.OutputValue]]
          : [],
      ),
    );
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id ... does not exist".
    if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
    throw error;
  } finally {
    client.destroy();
  }
}
