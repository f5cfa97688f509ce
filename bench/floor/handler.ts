/**
 * The floor of a warm invocation: what no relay can skip. The relay's decryptor (the official
 * Encryption SDK and its KMS keyring over the signed Decrypt request, with the parallel signature
 * check) and one keep-alive POST of a fixed small email to SendGrid. No event checks, templates,
 * retries, logs or metrics. Built with the Lambda's build options by bench/floor/run.ts.
 */
import { Agent, request } from 'node:http';
import { createDecryptor } from '../../src/runtime/crypto/decrypt.ts';

const decryptor = createDecryptor({ keyArn: process.env['KMS_KEY_ARN'] ?? '' });
await decryptor.prime();
const agent = new Agent({ keepAlive: true });
const url = new URL('/v3/mail/send', process.env['SENDGRID_BASE_URL']);

interface FloorEvent {
  userPoolId: string;
  request: { code: string; userAttributes: { email: string } };
}

export async function handler(event: FloorEvent): Promise<void> {
  const code = await decryptor.decrypt(event.request.code, event.userPoolId);
  const body = JSON.stringify({
    personalizations: [{ to: [{ email: event.request.userAttributes.email }] }],
    from: { email: 'no-reply@example.com' },
    subject: 'Your code',
    content: [{ type: 'text/plain', value: `Your code is ${code}` }],
  });
  await new Promise<void>((resolve, reject) => {
    const post = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env['SENDGRID_API_KEY']}`, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve());
      },
    );
    post.on('error', reject);
    post.end(body);
  });
}
