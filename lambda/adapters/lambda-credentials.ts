/**
 * Stands in for the SDK's default credential chain in the Lambda artifact only (infra/bundle.ts
 * aliases `@aws-sdk/credential-provider-node` to this file). Lambda always hands the role's
 * credentials over in the environment, so the chain's SSO, INI, STS and IMDS providers can never
 * run there; leaving them out takes about 115 KB off every cold start. The CLI keeps the full chain.
 */

interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export const defaultProvider = () => async (): Promise<EnvironmentCredentials> => {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  if (!accessKeyId || !secretAccessKey) {
    throw Object.assign(new Error('no AWS credentials in the environment (AWS_ACCESS_KEY_ID)'), {
      name: 'CredentialsProviderError',
    });
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
};
