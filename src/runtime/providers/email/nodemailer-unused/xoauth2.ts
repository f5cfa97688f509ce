/** Replaces nodemailer's OAuth2 client in the Lambda: the SMTP provider authenticates with the user and password of `SMTP_URL`. */
export default class XOAuth2 {
  constructor() {
    throw new Error('cognito-relay: OAuth2 SMTP authentication is not supported; put the user and password in SMTP_URL');
  }
}
