/** Replaces nodemailer's URL fetcher in the Lambda: messages carry no attachments or content from URLs. */
export default function nmfetch(): never {
  throw new Error('cognito-relay: content from a URL is not supported in messages');
}
