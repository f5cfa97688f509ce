/**
 * Checks an AWS operation input against the service's own Smithy model (the JSON AST files in
 * `test/fixtures/specs/aws-*`): required members present, no unknown members, and the length,
 * pattern, range and enum constraints of every value. The AWS SDK does not validate inputs
 * itself, so this is what catches a missing required member before AWS would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPECS_DIR } from './openapi.ts';

type Shape = {
  type: string;
  members?: Record<string, { target: string; traits?: Record<string, unknown> }>;
  member?: { target: string };
  key?: { target: string };
  value?: { target: string };
  traits?: Record<string, unknown>;
};

const models = new Map<string, Record<string, Shape>>();

function load(file: string): Record<string, Shape> {
  let shapes = models.get(file);
  if (!shapes) {
    shapes = (JSON.parse(readFileSync(join(SPECS_DIR, file), 'utf8')) as { shapes: Record<string, Shape> }).shapes;
    models.set(file, shapes);
  }
  return shapes;
}

const PRELUDE: Record<string, string> = {
  'smithy.api#String': 'string',
  'smithy.api#Boolean': 'boolean',
  'smithy.api#PrimitiveBoolean': 'boolean',
  'smithy.api#Integer': 'integer',
  'smithy.api#PrimitiveInteger': 'integer',
  'smithy.api#Long': 'long',
  'smithy.api#PrimitiveLong': 'long',
  'smithy.api#Double': 'double',
  'smithy.api#Float': 'float',
  'smithy.api#Timestamp': 'timestamp',
  'smithy.api#Blob': 'blob',
  'smithy.api#Document': 'document',
};

/**
 * @example
 * const check = smithyValidator('aws-ses-v2/sesv2-2019-09-27.json', 'com.amazonaws.sesv2#SendEmail');
 * assert.deepEqual(check(input), []);
 */
export function smithyValidator(file: string, operation: string): (input: unknown) => string[] {
  const shapes = load(file);
  const op = shapes[operation] as (Shape & { input?: { target: string } }) | undefined;
  if (!op?.input) throw new Error(`${file} has no operation ${operation} with an input`);
  const inputTarget = op.input.target;

  function check(target: string, value: unknown, path: string, problems: string[]): void {
    const shape: Shape = shapes[target] ?? { type: PRELUDE[target] ?? 'document' };
    const traits = shape.traits ?? {};
    const length = traits['smithy.api#length'] as { min?: number; max?: number } | undefined;
    const fail = (why: string) => problems.push(`${path || '(input)'} ${why}`);
    const checkLength = (size: number) => {
      if (length?.min !== undefined && size < length.min) fail(`is shorter than ${length.min}`);
      if (length?.max !== undefined && size > length.max) fail(`is longer than ${length.max}`);
    };
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return void fail('must be an object');
        const members = shape.members ?? {};
        for (const [name, member] of Object.entries(members)) {
          const present = (value as Record<string, unknown>)[name] !== undefined;
          if (!present && member.traits?.['smithy.api#required'] !== undefined) fail(`is missing required member ${name}`);
        }
        for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
          const member = members[name];
          if (!member) fail(`has unknown member ${name}`);
          else if (child !== undefined) check(member.target, child, path ? `${path}.${name}` : name, problems);
        }
        return;
      }
      case 'union': {
        if (typeof value !== 'object' || value === null) return void fail('must be an object');
        const set = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
        if (set.length !== 1) fail('must set exactly one member');
        for (const [name, child] of set) {
          const member = shape.members?.[name];
          if (!member) fail(`has unknown member ${name}`);
          else check(member.target, child, `${path}.${name}`, problems);
        }
        return;
      }
      case 'list':
      case 'set':
        if (!Array.isArray(value)) return void fail('must be a list');
        checkLength(value.length);
        value.forEach((item, i) => check(shape.member?.target ?? '', item, `${path}[${i}]`, problems));
        return;
      case 'map':
        if (typeof value !== 'object' || value === null) return void fail('must be a map');
        checkLength(Object.keys(value).length);
        for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
          check(shape.key?.target ?? 'smithy.api#String', key, `${path}{${key}}`, problems);
          check(shape.value?.target ?? 'smithy.api#Document', child, `${path}.${key}`, problems);
        }
        return;
      case 'enum': {
        const allowed = Object.values(shape.members ?? {}).map((m) => m.traits?.['smithy.api#enumValue']);
        if (!allowed.includes(value)) fail(`must be one of ${allowed.join(', ')}`);
        return;
      }
      case 'string': {
        if (typeof value !== 'string') return void fail('must be a string');
        checkLength([...value].length);
        const pattern = traits['smithy.api#pattern'] as string | undefined;
        if (pattern && !new RegExp(pattern, 'u').test(value)) fail(`does not match ${pattern}`);
        const legacyEnum = traits['smithy.api#enum'] as { value: string }[] | undefined;
        if (legacyEnum && !legacyEnum.some((e) => e.value === value)) fail(`must be one of ${legacyEnum.map((e) => e.value).join(', ')}`);
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean') fail('must be a boolean');
        return;
      case 'integer':
      case 'long':
      case 'short':
      case 'byte':
      case 'intEnum':
        if (!Number.isInteger(value)) fail('must be an integer');
        return;
      case 'double':
      case 'float':
        if (typeof value !== 'number') fail('must be a number');
        return;
      default:
        return;
    }
  }

  return (input) => {
    const problems: string[] = [];
    check(inputTarget, input, '', problems);
    return problems;
  };
}
