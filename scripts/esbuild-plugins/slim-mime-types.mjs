/**
 * For the replaced-internals plugin (replaced-internals.mjs): nodemailer's MIME type table
 * (`mime-funcs/mime-types.js`, ~1,000 types, 76 kB minified — a third of the SMTP provider's
 * chunk) keeps only the types of files people actually
 * attach to or embed in a transactional email. The module's own code (detectMimeType,
 * detectExtension) is kept as nodemailer wrote it; only the two lookup maps shrink.
 *
 * nodemailer consults the table only for attachments (guessing a type from a file name, or an
 * extension from a type — e.g. for `attachDataUrls`). cognito-relay's messages are text + HTML
 * bodies with explicit content types, so its output does not change. For an attachment of a type
 * left out, nodemailer's own fallbacks apply (application/octet-stream, `.bin`, `.txt` for text/*).
 * test/perf/slim-mime-types.test.ts checks every kept entry answers as nodemailer's table does.
 */
/** File extensions whose entries are kept (both directions). */
export const KEPT_EXTENSIONS = new Set([
  // text and data
  'txt', 'text', 'html', 'htm', 'css', 'csv', 'ics', 'vcf', 'xml', 'json', 'js', 'md', 'rtf', 'eml',
  // images (inline logos, data URLs)
  'png', 'jpg', 'jpeg', 'jpe', 'gif', 'svg', 'webp', 'ico', 'bmp', 'tif', 'tiff', 'avif', 'heic',
  // documents and archives
  'pdf', 'zip', 'gz', 'tar', '7z', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'epub',
  // audio and video
  'mp3', 'm4a', 'wav', 'ogg', 'oga', 'mp4', 'm4v', 'mov', 'webm', 'avi',
  // fonts
  'woff', 'woff2', 'ttf', 'otf',
  'bin',
]);

/** Finds `const <name> = new Map([ … ]);` and returns its bounds and evaluated entries. */
function mapLiteral(source, name) {
  const declaration = `const ${name} = `;
  const start = source.indexOf(declaration);
  if (start < 0) throw new Error(`slim-mime-types: no \`${declaration}\` in nodemailer's mime-types.js`);
  const literalStart = start + declaration.length;
  const end = source.indexOf('\n]);', literalStart);
  if (end < 0 || !source.startsWith('new Map([', literalStart)) {
    throw new Error(`slim-mime-types: \`${name}\` in nodemailer's mime-types.js is not a Map literal any more`);
  }
  const literal = source.slice(literalStart, end + 3);
  // Data only (strings and arrays of strings), from nodemailer's own file.
  // oxlint-disable-next-line typescript/no-implied-eval -- evaluates a data literal cut from nodemailer's own file at build time
  const map = new Function(`return ${literal};`)();
  return { start: literalStart, end: end + 3, entries: [...map.entries()] };
}

const values = (value) => (Array.isArray(value) ? value : [value]);

/** nodemailer's mime-types.js with its two maps cut down to KEPT_EXTENSIONS. */
export function slimMimeTypesSource(source) {
  const types = mapLiteral(source, 'mimeTypes');
  const extensions = mapLiteral(source, 'extensions');
  if (types.end > extensions.start) throw new Error('slim-mime-types: unexpected order of the maps');
  // A type stays when any of its extensions does (detectExtension answers the type's first one).
  const keptTypes = types.entries.filter(([, ext]) => values(ext).some((e) => KEPT_EXTENSIONS.has(e)));
  const keptExtensions = extensions.entries.filter(([ext]) => KEPT_EXTENSIONS.has(ext));
  if (keptTypes.length < 20 || keptExtensions.length < 20) {
    throw new Error('slim-mime-types: nodemailer changed its MIME table; too few common types found');
  }
  return [
    source.slice(0, types.start),
    `new Map(${JSON.stringify(keptTypes)});`,
    source.slice(types.end, extensions.start),
    `new Map(${JSON.stringify(keptExtensions)});`,
    source.slice(extensions.end),
  ].join('');
}
