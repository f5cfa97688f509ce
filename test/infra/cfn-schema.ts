/**
 * Checks a CloudFormation template against the CloudFormation resource schemas as published in
 * `@aws-cdk/aws-service-spec` (its `db.json.gz`: every resource type's properties, their types,
 * which are required, nested property types and `Fn::GetAtt` attributes, imported from the
 * CloudFormation registry schemas). Nothing here restates a schema: a property the registry does
 * not know, a wrong type or a missing required property is reported with its path.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Template } from './cfn-yaml.ts';

type SpecType =
  | { type: 'string' | 'integer' | 'number' | 'boolean' | 'json' | 'date-time' | 'tag' | 'null' }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'union'; types: SpecType[] };
interface SpecProperty {
  type: SpecType;
  required?: boolean;
}
interface SpecShape {
  properties: Record<string, SpecProperty>;
}
interface SpecResource extends SpecShape {
  cloudFormationType: string;
  attributes: Record<string, { type: SpecType }>;
}

const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(dirname(require.resolve('@aws-cdk/aws-service-spec')));

let loaded: { resources: Map<string, SpecResource>; types: Map<string, SpecShape> } | undefined;
function database() {
  if (!loaded) {
    const db = JSON.parse(gunzipSync(readFileSync(join(PACKAGE_DIR, 'db.json.gz'))).toString('utf8')) as {
      schema: { resource: { entities: SpecResource[] }; typeDefinition: { entities: (SpecShape & { $id: string })[] } };
    };
    loaded = {
      resources: new Map(db.schema.resource.entities.map((r) => [r.cloudFormationType, r])),
      types: new Map(db.schema.typeDefinition.entities.map((t) => [t.$id, t])),
    };
  }
  return loaded;
}

export function resourceSchema(type: string): SpecResource | undefined {
  return database().resources.get(type);
}

const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NotificationARNs', 'AWS::NoValue']);
const LIST_FUNCTIONS = new Set(['Fn::Split', 'Fn::GetAZs', 'Fn::Cidr']);
const SCALAR_FUNCTIONS = new Set(['Fn::Sub', 'Fn::Join', 'Fn::Select', 'Fn::ImportValue', 'Fn::Base64', 'Fn::FindInMap', 'Fn::Length', 'Fn::ToJsonString']);

function intrinsicOf(value: unknown): [string, unknown] | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [name, args] = entries[0]!;
  return name === 'Ref' || name.startsWith('Fn::') ? [name, args] : undefined;
}

/**
 * Every problem of `template`'s resources against the registry schemas: unknown resource types
 * and properties, missing required properties, values of the wrong type (intrinsics are judged by
 * what they return: a list from `Fn::Split` or a list parameter, a scalar from `Fn::Sub`…; a
 * `Fn::GetAtt` by the attribute's own type), and `Fn::GetAtt` of attributes the type lacks.
 */
export function schemaProblems(template: Template): string[] {
  const problems: string[] = [];
  const listParameter = (name: string) => /^(CommaDelimitedList|List<.+>)$/.test(String(template.Parameters[name]?.['Type'] ?? ''));

  /** What an intrinsic returns: a list (`Fn::Split`, a list parameter, a list attribute) or a scalar. */
  const intrinsicKind = (name: string, args: unknown): 'list' | 'scalar' => {
    if (name === 'Ref') return listParameter(args as string) || args === 'AWS::NotificationARNs' ? 'list' : 'scalar';
    if (name === 'Fn::GetAtt') {
      const [id, attribute] = getAttParts(args);
      const target = template.Resources[id];
      return target && resourceSchema(target.Type)?.attributes[attribute]?.type.type === 'array' ? 'list' : 'scalar';
    }
    return LIST_FUNCTIONS.has(name) ? 'list' : 'scalar';
  };

  /** Reports (unless `quiet`, for trying a union's members) why `value` does not fit `type`. */
  const accepts = (path: string, value: unknown, type: SpecType, quiet = false): boolean => {
    const fail = (what: string) => {
      if (!quiet) problems.push(`${path}: ${what}`);
      return false;
    };
    const intrinsic = intrinsicOf(value);
    if (intrinsic?.[0] === 'Fn::If') {
      const [, whenTrue, whenFalse] = intrinsic[1] as [string, unknown, unknown];
      const isNoValue = (branch: unknown) => intrinsicOf(branch)?.[0] === 'Ref' && intrinsicOf(branch)![1] === 'AWS::NoValue';
      return [whenTrue, whenFalse].map((branch, i) => isNoValue(branch) || accepts(`${path}(If ${i ? 'false' : 'true'})`, branch, type, quiet)).every(Boolean);
    }
    if (type.type === 'json') return true;
    if (type.type === 'union') {
      if (type.types.some((t) => accepts(path, value, t, true))) return true;
      return quiet ? false : accepts(path, value, type.types[0]!);
    }
    if (intrinsic) {
      if (!SCALAR_FUNCTIONS.has(intrinsic[0]) && !LIST_FUNCTIONS.has(intrinsic[0]) && !['Ref', 'Fn::GetAtt'].includes(intrinsic[0])) {
        return fail(`${intrinsic[0]} is not an intrinsic function usable in a property value`);
      }
      const kind = intrinsicKind(intrinsic[0], intrinsic[1]);
      if (type.type === 'array') return kind === 'list' || fail(`expected a list, got a scalar from ${intrinsic[0]}`);
      if (['string', 'integer', 'number', 'boolean', 'date-time'].includes(type.type)) return kind === 'scalar' || fail(`expected a ${type.type}, got a list from ${intrinsic[0]}`);
      return fail(`expected ${type.type === 'ref' || type.type === 'tag' ? 'an object' : `a ${type.type}`}, got ${intrinsic[0]}`);
    }
    switch (type.type) {
      case 'string':
      case 'date-time':
        return typeof value === 'string' || fail(`expected a string, got ${JSON.stringify(value)}`);
      case 'integer':
        return Number.isInteger(value) || fail(`expected an integer, got ${JSON.stringify(value)}`);
      case 'number':
        return typeof value === 'number' || fail(`expected a number, got ${JSON.stringify(value)}`);
      case 'boolean':
        return typeof value === 'boolean' || fail(`expected a boolean, got ${JSON.stringify(value)}`);
      case 'null':
        return value === null || fail('expected null');
      case 'array':
        if (!Array.isArray(value)) return fail(`expected a list, got ${JSON.stringify(value)}`);
        return value.map((item, i) => accepts(`${path}[${i}]`, item, type.element, quiet)).every(Boolean);
      case 'map':
        if (!value || typeof value !== 'object' || Array.isArray(value)) return fail(`expected a map, got ${JSON.stringify(value)}`);
        return Object.entries(value).map(([key, item]) => accepts(`${path}.${key}`, item, type.element, quiet)).every(Boolean);
      case 'tag':
      case 'ref': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) return fail(`expected an object, got ${JSON.stringify(value)}`);
        const shape = type.type === 'ref' ? database().types.get(type.reference.$ref) : TAG_SHAPE;
        if (!shape) return fail('a schema type is missing from the database');
        return checkShape(path, value as Record<string, unknown>, shape, quiet);
      }
    }
  };

  const checkShape = (path: string, value: Record<string, unknown>, shape: SpecShape, quiet = false): boolean => {
    let ok = true;
    for (const [name, item] of Object.entries(value)) {
      const property = shape.properties[name];
      if (!property) {
        ok = false;
        if (!quiet) problems.push(`${path}.${name}: not a property of this type`);
      } else if (!accepts(`${path}.${name}`, item, property.type, quiet)) ok = false;
    }
    for (const [name, property] of Object.entries(shape.properties)) {
      if (property.required && !(name in value)) {
        ok = false;
        if (!quiet) problems.push(`${path}: required property ${name} is missing`);
      }
    }
    return ok;
  };

  // Every Fn::GetAtt (in resources and outputs) names an attribute its resource type has.
  const visitGetAtts = (path: string, node: unknown): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => visitGetAtts(`${path}[${i}]`, item));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = getAttParts(value);
        const target = template.Resources[id];
        const spec = target && resourceSchema(target.Type);
        if (spec && !(attribute in spec.attributes)) problems.push(`${path}: ${target!.Type} has no attribute ${attribute}`);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(value) ? (value as [string, unknown]) : [value as string, {}];
        for (const [, id, attribute] of text.matchAll(/\$\{([^}!.]+)\.([^}]+)\}/g)) visitGetAtts(`${path}.Fn::Sub`, { 'Fn::GetAtt': [id, attribute] });
        visitGetAtts(`${path}.Fn::Sub`, variables);
      } else visitGetAtts(`${path}.${key}`, value);
    }
  };
  visitGetAtts('Resources', template.Resources);
  visitGetAtts('Outputs', template.Outputs ?? {});

  for (const [id, resource] of Object.entries(template.Resources)) {
    const spec = resourceSchema(resource.Type);
    if (!spec) {
      problems.push(`${id}: ${resource.Type} is not a resource type in the registry`);
      continue;
    }
    checkShape(id, resource.Properties ?? {}, spec);
  }
  return problems;
}

function getAttParts(args: unknown): [string, string] {
  return (Array.isArray(args) ? args : String(args).split(/\.(.*)/s)) as [string, string];
}

const TAG_SHAPE: SpecShape = { properties: { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } } };

/**
 * Every reference that does not resolve: `Ref` to a parameter, resource or pseudo parameter;
 * `Fn::GetAtt` to a resource; `Fn::Sub` variables (its own, parameters, resources, `Res.Attr`);
 * conditions named by resources, outputs, `Fn::If` and `Condition`; `DependsOn`.
 */
export function unresolvedReferences(template: Template): string[] {
  const problems: string[] = [];
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const resources = new Set(Object.keys(template.Resources));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const visit = (path: string, node: unknown): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => visit(`${path}[${i}]`, item));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'Ref') {
        const name = value as string;
        if (!parameters.has(name) && !resources.has(name) && !PSEUDO_PARAMETERS.has(name)) problems.push(`${path}: Ref ${name}`);
      } else if (key === 'Fn::GetAtt') {
        const [id] = (Array.isArray(value) ? value : String(value).split('.')) as string[];
        if (!resources.has(id!)) problems.push(`${path}: GetAtt ${String(value)}`);
      } else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(value) ? (value as [string, Record<string, unknown>]) : [value as string, {}];
        for (const [, name] of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const base = name!.split('.')[0]!;
          const ok = name! in variables || parameters.has(name!) || PSEUDO_PARAMETERS.has(name!) || resources.has(base);
          if (!ok) problems.push(`${path}: Sub \${${name}}`);
        }
        visit(`${path}.Fn::Sub`, variables);
      } else if (key === 'Fn::If') {
        const [condition] = value as [string];
        if (!conditions.has(condition)) problems.push(`${path}: If ${condition}`);
        visit(`${path}.Fn::If`, (value as unknown[]).slice(1));
      } else if (key === 'Condition' && typeof value === 'string') {
        if (!conditions.has(value)) problems.push(`${path}: Condition ${value}`);
      } else visit(`${path}.${key}`, value);
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const dependency of [resource.DependsOn ?? []].flat()) if (!resources.has(dependency)) problems.push(`${id}: DependsOn ${dependency}`);
    visit(id, resource);
  }
  visit('Outputs', template.Outputs ?? {});
  visit('Conditions', template.Conditions ?? {});
  visit('Rules', template.Rules ?? {});
  return problems;
}

/** Logical names used in more than one of the sections that share CloudFormation's one namespace. */
export function duplicateLogicalNames(template: Template & { Mappings?: Record<string, unknown> }): string[] {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const section of ['Parameters', 'Resources', 'Conditions', 'Outputs', 'Mappings'] as const) {
    for (const name of Object.keys((template as Record<string, unknown>)[section] ?? {})) {
      const first = seen.get(name);
      if (first) duplicates.push(`${name} (${first} and ${section})`);
      else seen.set(name, section);
    }
  }
  return duplicates;
}

/**
 * Dependency cycles between resources, as CloudFormation orders them: an edge for every `Ref`,
 * `Fn::GetAtt`, `Fn::Sub` variable naming a resource, and `DependsOn`. CloudFormation refuses a
 * template with a cycle ("Circular dependency between resources").
 */
export function dependencyCycles(template: Template): string[][] {
  const resources = new Set(Object.keys(template.Resources));
  const edges = new Map<string, Set<string>>();
  const collect = (node: unknown, into: Set<string>): void => {
    if (Array.isArray(node)) return node.forEach((item) => collect(item, into));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'Ref' && resources.has(value as string)) into.add(value as string);
      else if (key === 'Fn::GetAtt') into.add(getAttParts(value)[0]);
      else if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(value) ? (value as [string, unknown]) : [value as string, {}];
        for (const [, name] of text.matchAll(/\$\{([^}!.]+)[^}]*\}/g)) if (resources.has(name!)) into.add(name!);
        collect(variables, into);
      } else collect(value, into);
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const into = new Set<string>([resource.DependsOn ?? []].flat());
    collect(resource.Properties ?? {}, into);
    edges.set(id, into);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(id)), id]);
      return;
    }
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) if (resources.has(next)) visit(next);
    path.pop();
    state.set(id, 'done');
  };
  for (const id of resources) visit(id);
  return cycles;
}
