// A React Email template: compiled to HTML when the relay is built. Mustache tags are written as
// strings ({'{{code}}'}) and filled in per message by the relay, escaped.
export default function TenantSignUp() {
  return (
    <html lang="en">
      <head>
        <title>{'{{subject}}'}</title>
      </head>
      <body style={{ backgroundColor: '#ffffff', fontFamily: 'Helvetica, Arial, sans-serif' }}>
        <img src="{{brand.logoUrl}}" alt="{{appName}}" width={120} />
        <h1 style={{ color: '{{brand.primaryColor}}' }}>{'{{appName}}'}</h1>
        <p>Your verification code:</p>
        <p style={{ fontSize: 30, letterSpacing: 6, fontWeight: 'bold' }}>{'{{code}}'}</p>
        {'{{#brand.supportEmail}}'}
        <p style={{ color: '#6b7280', fontSize: 12 }}>{'Help: {{brand.supportEmail}}'}</p>
        {'{{/brand.supportEmail}}'}
        {'{{#brand.supportUrl}}'}
        <p style={{ color: '#6b7280', fontSize: 12 }}>{'Help: {{brand.supportUrl}}'}</p>
        {'{{/brand.supportUrl}}'}
      </body>
    </html>
  );
}
