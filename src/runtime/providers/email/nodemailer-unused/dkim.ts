/** Replaces nodemailer's DKIM signer in the Lambda: the relay never passes `dkim`; sign on your mail server instead. */
export default class DKIM {
  constructor() {
    throw new Error('cognito-relay: DKIM signing in the relay is not supported; let your SMTP server sign outgoing mail');
  }
}
