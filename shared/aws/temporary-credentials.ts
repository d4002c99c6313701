// The SDK's STS credential provider, in a module of ours that shared/aws/account-clients.ts imports on demand: only a
// handler acting in another account (cross-account mode) loads it, so a cold start in one account does not read it.
// (A dynamic import of the SDK package itself would bundle every provider it exports: decision 63.)
export { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
