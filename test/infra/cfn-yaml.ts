/**
 * Reads a CloudFormation YAML template into its JSON form: the short-form intrinsic tags
 * (`!Ref`, `!GetAtt`, `!Sub`, `!If`…) become `{ Ref: … }` / `{ "Fn::GetAtt": […] }` objects, as
 * CloudFormation itself reads them.
 */
import { readFileSync } from 'node:fs';
import { parse, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from 'yaml';

const FUNCTIONS = ['Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'And', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'GetAtt'];

function tagsFor(name: string): (ScalarTag | CollectionTag)[] {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const scalar: ScalarTag = {
    tag: `!${name}`,
    resolve: (text: string) => {
      // !GetAtt Resource.Attribute is the scalar shorthand of ["Resource", "Attribute"].
      if (name === 'GetAtt') {
        const dot = text.indexOf('.');
        return { [key]: [text.slice(0, dot), text.slice(dot + 1)] };
      }
      return { [key]: text };
    },
  };
  const seq: CollectionTag = {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (value) => ({ [key]: (value as YAMLSeq).toJSON() }),
  };
  const map: CollectionTag = {
    tag: `!${name}`,
    collection: 'map',
    resolve: (value) => ({ [key]: (value as YAMLMap).toJSON() }),
  };
  return [scalar, seq, map];
}

const CUSTOM_TAGS = [...tagsFor('Ref'), ...tagsFor('Condition'), ...FUNCTIONS.flatMap(tagsFor)];

export type Template = {
  AWSTemplateFormatVersion?: string;
  Parameters: Record<string, Record<string, unknown>>;
  Rules?: Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription?: string }[] }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; DependsOn?: string | string[]; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Mappings?: Record<string, unknown>;
  Outputs: Record<string, { Value: unknown; Condition?: string; Description?: string }>;
};

export function readTemplate(path: string): Template {
  return parse(readFileSync(path, 'utf8'), { customTags: CUSTOM_TAGS }) as Template;
}

/** Evaluates conditions (and rules) the way CloudFormation does, for one set of parameter values. */
function evaluator(template: Template, values: Record<string, string>) {
  const parameter = (name: string): string => {
    if (name in values) return values[name]!;
    const fallback = template.Parameters[name]?.['Default'];
    if (fallback === undefined) throw new Error(`parameter ${name} has no value and no default`);
    return String(fallback);
  };
  const conditions = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    if (!conditions.has(name)) {
      if (!(name in template.Conditions)) throw new Error(`unknown condition ${name}`);
      conditions.set(name, truth(template.Conditions[name]));
    }
    return conditions.get(name)!;
  };
  /** A string (or, from Fn::Split, a list): what Fn::Equals compares. */
  const value = (node: unknown): string | string[] => {
    if (typeof node === 'string' || typeof node === 'number') return String(node);
    if (Array.isArray(node)) return node.map((item) => String(value(item)));
    const [[fn, args]] = Object.entries(node as Record<string, unknown>) as [[string, unknown]];
    switch (fn) {
      case 'Ref': return parameter(args as string);
      case 'Fn::Sub': return (args as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => parameter(name));
      case 'Fn::Split': {
        const [delimiter, source] = args as [string, unknown];
        return String(value(source)).split(delimiter);
      }
      case 'Fn::Join': {
        const [delimiter, items] = args as [string, unknown];
        const list = value(items);
        return (Array.isArray(list) ? list : [list]).join(delimiter);
      }
      default: throw new Error(`cannot evaluate ${fn} in a condition`);
    }
  };
  const truth = (node: unknown): boolean => {
    const [[fn, args]] = Object.entries(node as Record<string, unknown>) as [[string, unknown]];
    switch (fn) {
      case 'Fn::Equals': return value((args as unknown[])[0]) === value((args as unknown[])[1]);
      case 'Fn::Not': return !truth((args as unknown[])[0]);
      case 'Fn::And': return (args as unknown[]).every(truth);
      case 'Fn::Or': return (args as unknown[]).some(truth);
      case 'Condition': return condition(args as string);
      // Rules only: [list, string]. A CommaDelimitedList parameter is its value split on commas.
      case 'Fn::Contains': {
        const [list, item] = args as [unknown, unknown];
        const items = value(list);
        return (Array.isArray(items) ? items : items.split(',')).includes(String(value(item)));
      }
      default: throw new Error(`unsupported condition function ${fn}`);
    }
  };
  return { parameter, condition, truth };
}

/**
 * The AssertDescription of every rule these parameter values break: CloudFormation refuses to
 * create or update the stack with them.
 */
export function brokenRules(template: Template, values: Record<string, string>): string[] {
  const { truth } = evaluator(template, values);
  return Object.values(template.Rules ?? {}).flatMap((rule) =>
    rule.RuleCondition === undefined || truth(rule.RuleCondition)
      ? rule.Assertions.filter((assertion) => !truth(assertion.Assert)).map((assertion) => assertion.AssertDescription ?? 'unnamed assertion')
      : [],
  );
}

/**
 * The template as CloudFormation would deploy it with these parameter values: conditions
 * evaluated, resources and outputs whose condition is false dropped, `Fn::If` replaced by the
 * chosen branch and `AWS::NoValue` removed. `Ref` / `Fn::GetAtt` / `Fn::Sub` stay as they are.
 */
export function render(template: Template, values: Record<string, string>): Template {
  const { condition } = evaluator(template, values);
  const NO_VALUE = Symbol('NoValue');
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk).filter((item) => item !== NO_VALUE);
    if (node && typeof node === 'object') {
      const entries = Object.entries(node as Record<string, unknown>);
      if (entries.length === 1 && entries[0]![0] === 'Ref' && entries[0]![1] === 'AWS::NoValue') return NO_VALUE;
      if (entries.length === 1 && entries[0]![0] === 'Fn::If') {
        const [name, whenTrue, whenFalse] = entries[0]![1] as [string, unknown, unknown];
        return walk(condition(name) ? whenTrue : whenFalse);
      }
      return Object.fromEntries(entries.map(([key, value]) => [key, walk(value)]).filter(([, value]) => value !== NO_VALUE));
    }
    return node;
  };
  const keep = <T extends { Condition?: string }>(items: Record<string, T>) =>
    Object.fromEntries(Object.entries(items).filter(([, item]) => !item.Condition || condition(item.Condition)).map(([id, item]) => [id, walk(item) as T]));
  return { ...template, Resources: keep(template.Resources), Outputs: keep(template.Outputs) };
}
