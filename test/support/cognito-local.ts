/**
 * The `cognito-local` emulator (npm package, MIT) in a child process on 127.0.0.1, for tests that
 * need real DescribeUserPool / UpdateUserPool behaviour (its UpdateUserPool resets omitted settings
 * like the real service). The launcher lives with the local stack, which also wires cognito-local
 * to the relay (`startCognitoLocalRelay`).
 */
export { startCognitoLocal, type CognitoLocalServer as CognitoLocal } from '../../src/tools/local/cognito-local.ts';
