/**
 * Answers in the wire formats of the AWS protocols the SDK speaks, for the loopback fake
 * provider: restJson1 (SES v2), awsJson1_0 (End User Messaging SMS) and awsQuery (SNS).
 */
import type { ScriptedResponse } from './fake-provider.ts';

/** restJson1: the error type travels in `x-amzn-ErrorType`, the text in the body. */
export function restJson1Error(status: number, type: string, message: string, headers: Record<string, string> = {}): ScriptedResponse {
  return { status, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`, ...headers }, body: { message } };
}

/** awsJson1_0: `__type` names the error (optionally namespaced). */
export function awsJson10Error(status: number, type: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): ScriptedResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
    body: JSON.stringify({ __type: type, message, ...extra }),
  };
}

export function awsJson10(body: object): ScriptedResponse {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** awsQuery (SNS): an `ErrorResponse` document. */
export function awsQueryError(status: number, code: string, message: string, headers: Record<string, string> = {}): ScriptedResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml', ...headers },
    body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>8c2ed3a4-ffc5-5a39-8b4f-4b8c7e2a1f00</RequestId></ErrorResponse>`,
  };
}

/** SNS `Publish` success. */
export function snsPublishResult(messageId: string): ScriptedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata></PublishResponse>`,
  };
}
