/**
 * Checks provider requests against the providers' own published API specs
 * (`test/fixtures/specs/`, OpenAPI 3.x or Swagger 2.0, committed unchanged with their provenance
 * and licences in `PROVENANCE.md` there), with Ajv. Known defects of those specs are patched in
 * memory, in one place: `SPEC_PATCHES` below.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** Committed with the tests, so a clone alone runs them (sources: `PROVENANCE.md` in that folder). */
export const SPECS_DIR = join(repoRoot, 'test/fixtures/specs');

type Json = Record<string, any>;

/**
 * Every place we knowingly depart from a provider's spec, and why.
 * Keyed by spec file; each patch edits the parsed document before schemas compile.
 */
export const SPEC_PATCHES: Record<string, (spec: Json) => void> = {
  // SendGrid types top-level `custom_args` as a string; the real API takes an object.
  'sendgrid/tsg_mail_v3.json': (spec) => {
    const body = spec.components.requestBodies.PostMailSend.content['application/json'].schema;
    body.properties.custom_args = { type: 'object', additionalProperties: { type: 'string' } };
  },
  // Mailgun requires `subject` even for template sends; its own description says a template's
  // Subject header applies when none is sent.
  'mailgun/openapi.yaml': (spec) => {
    const form = resolveRef(spec, spec.paths['/v3/{domain_name}/messages'].post.requestBody.content['multipart/form-data'].schema);
    form.required = form.required.filter((name: string) => name !== 'subject');
  },
  // Resend requires `subject` even with `template`; templates carry their own subject.
  'resend/resend.json': (spec) => {
    const body = resolveRef(spec, spec.paths['/emails'].post.requestBody.content['application/json'].schema);
    body.required = body.required.filter((name: string) => name !== 'subject');
  },
  // The stale sms.yml requires `api_key` in the body; the current docs authenticate with Basic.
  'vonage/sms.yml': (spec) => {
    const message = spec.components.schemas.NewMessage;
    message.required = message.required.filter((name: string) => name !== 'api_key');
    // Vendor formats Ajv does not know (and would warn about on every compile).
    delete message.properties.vcard.format;
    delete message.properties.vcal.format;
  },
  // Mandrill's handlebars merge language takes objects and arrays as merge var content
  // ({{user.given_name}}); the Swagger 2.0 file types `content` as a string only.
  'mailchimp-transactional/transactional.json': (spec) => {
    for (const path of ['/messages/send', '/messages/send-template']) {
      const body = spec.paths[path].post.parameters.find((p: Json) => p.in === 'body').schema;
      delete body.properties.message.properties.global_merge_vars.items.properties.content.type;
    }
  },
};

const cache = new Map<string, Json>();

export function loadSpec(file: string): Json {
  let spec = cache.get(file);
  if (!spec) {
    const text = readFileSync(join(SPECS_DIR, file), 'utf8');
    spec = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Json;
    SPEC_PATCHES[file]?.(spec);
    cache.set(file, spec);
  }
  return spec;
}

function resolveRef(spec: Json, value: Json): Json {
  let node = value;
  while (node && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((acc: Json, key: string) => acc[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return node;
}

/** The JSON schema of an operation's request body, with `$ref`s left pointing into the spec. */
function requestSchema(spec: Json, path: string, method: string, contentType: string): Json {
  const operation = spec.paths?.[path]?.[method];
  if (!operation) throw new Error(`spec has no ${method.toUpperCase()} ${path}`);
  if (spec.swagger === '2.0') {
    const bodyParam = (operation.parameters ?? []).map((p: Json) => resolveRef(spec, p)).find((p: Json) => p.in === 'body');
    if (bodyParam) return bodyParam.schema;
    // formData parameters → an object schema.
    const form = (operation.parameters ?? []).map((p: Json) => resolveRef(spec, p)).filter((p: Json) => p.in === 'formData');
    return {
      type: 'object',
      properties: Object.fromEntries(form.map((p: Json) => [p.name, { type: p.type }])),
      required: form.filter((p: Json) => p.required).map((p: Json) => p.name),
    };
  }
  const requestBody = resolveRef(spec, operation.requestBody);
  const media = requestBody?.content?.[contentType];
  if (!media) throw new Error(`spec has no ${contentType} body for ${method.toUpperCase()} ${path}`);
  return media.schema;
}

/**
 * Returns a function that validates a request body (an object; decode form bodies first) and
 * returns the list of violations (empty when valid).
 *
 * @example
 * const check = specValidator('sendgrid/tsg_mail_v3.json', '/v3/mail/send', 'post', 'application/json');
 * assert.deepEqual(check(body), []);
 */
export function specValidator(file: string, path: string, method: string, contentType: string): (body: unknown) => string[] {
  const spec = loadSpec(file);
  const schema = requestSchema(spec, path, method, contentType);
  const is2020 = typeof spec.openapi === 'string' && spec.openapi.startsWith('3.1');
  const make = () => {
    const ajv = is2020 ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true });
    addFormats(ajv as Ajv);
    return ajv;
  };
  let ajv = make();
  // The whole document is registered so internal `#/components/...` references resolve.
  const root = { ...spec, $id: 'spec://root' } as Json;
  delete root.$schema;
  let validate: ValidateFunction | undefined;
  const extraFormats = new Set<string>();
  for (let attempt = 0; attempt < 20 && !validate; attempt++) {
    try {
      ajv.addSchema(root, 'spec://root');
      validate = ajv.compile({ $ref: 'spec://root#' + pointerTo(spec, schema) }) as ValidateFunction;
    } catch (error) {
      const unknown = /unknown format "([^"]+)"/.exec((error as Error).message)?.[1];
      if (!unknown) throw error;
      // Vendor formats (e.g. Twilio's "phone-number") are descriptive, not checkable.
      extraFormats.add(unknown);
      ajv = make();
      for (const f of extraFormats) ajv.addFormat(f, true);
    }
  }
  if (!validate) throw new Error('could not compile schema');
  const check = validate;
  return (body) => {
    if (check(body)) return [];
    return (check.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

/** A JSON pointer from the document root to `target` (found by identity). */
function pointerTo(spec: Json, target: Json): string {
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: string): string | undefined => {
    if (node === target) return path;
    if (!node || typeof node !== 'object' || seen.has(node)) return undefined;
    seen.add(node);
    for (const [key, value] of Object.entries(node)) {
      const found = walk(value, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const found = walk(spec, '');
  if (found === undefined) throw new Error('schema not found in spec');
  return found;
}

/** Turns a form-encoded body into the object a form schema describes (repeated keys → arrays). */
export function formToObject(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
