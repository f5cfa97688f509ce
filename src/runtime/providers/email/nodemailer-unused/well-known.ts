/** Replaces nodemailer's well-known services table in the Lambda: `SMTP_URL` names the host, never a service. */
export default function wellKnown(_service: string): false {
  return false;
}
