import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { MANAGER_NAMES } from './reference.js';
import { isRuleId, RULE_IDS } from './lint/rule-ids.js';
import { lineAt } from './reference.js';

/** Where the repository config lives, relative to the repository root. */
export const CONFIG_PATH = '.github/repro-pins.yml';

const ruleLevel = z.enum(['off', 'info', 'warning', 'error']);
const platform = z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/, 'must look like os/arch[/variant], e.g. linux/amd64');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** The single parse point for `.github/repro-pins.yml`: unknown keys are errors, never ignored. */
export const repoConfigSchema = z
  .strictObject({
    schedule: z
      .string()
      .regex(/^\S+(\s+\S+){4}$/, 'must be a five-field cron expression')
      .refine((cron) => isCron(cron), 'is not a valid cron expression')
      .default('0 6 * * 1'),
    timezone: z.string().refine((tz) => isTimeZone(tz), 'is not an IANA time zone such as "UTC" or "Europe/Berlin"').default('UTC'),
    managers: z.array(z.enum(MANAGER_NAMES)).default([...MANAGER_NAMES]),
    ignorePaths: z.array(z.string().min(1)).default([]),
    ignoreDeps: z.array(z.string().min(1)).default([]),
    updates: z.enum(['digest', 'patch', 'minor', 'major']).default('digest'),
    verify: z
      .array(
        z.strictObject({
          dockerfile: z.string().min(1),
          context: z.string().min(1).default('.'),
          platforms: z.array(platform).min(1).default(['linux/amd64']),
        }),
      )
      .optional(),
    registries: z.record(z.string().min(1), z.strictObject({ insecure: z.boolean().default(false) })).default({}),
    python: z.strictObject({ version: z.string().regex(/^3\.\d+$/, 'must be a Python minor version such as "3.12"') }).optional(),
    alpine: z
      .strictObject({ mirror: httpUrl.optional(), arch: z.string().optional(), branch: z.string().regex(/^(v\d+\.\d+|edge)$/).optional() })
      .optional(),
    debian: z
      .strictObject({ mirror: httpUrl.optional(), securityMirror: httpUrl.optional(), arch: z.string().optional(), suite: z.string().optional() })
      .optional(),
    ubuntu: z.strictObject({ mirror: httpUrl.optional(), arch: z.string().optional(), suite: z.string().optional() }).optional(),
    rules: z.record(z.string(), ruleLevel).superRefine(rejectUnknownRules).default({}),
  })
  .default({
    schedule: '0 6 * * 1',
    timezone: 'UTC',
    managers: [...MANAGER_NAMES],
    ignorePaths: [],
    ignoreDeps: [],
    updates: 'digest',
    registries: {},
    rules: {},
  });

export type RepoConfig = z.infer<typeof repoConfigSchema>;

/** A misspelt rule id would silently change nothing, so it is an error that names the key. */
function rejectUnknownRules(rules: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const id of Object.keys(rules)) {
    if (!isRuleId(id)) ctx.addIssue({ code: 'custom', path: [id], message: `unknown rule "${id}" (known: ${RULE_IDS.join(', ')})` });
  }
}

function isCron(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression, { strict: false }).next();
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const defaultConfig: RepoConfig = repoConfigSchema.parse(undefined);

/** The largest config read: a real one is a few hundred bytes; 256 KiB bounds the YAML parse. */
export const MAX_CONFIG_BYTES = 256 * 1024;
const MAX_CONFIG_CHARS = MAX_CONFIG_BYTES;
/** A config has no reason for many aliases; each use is expanded in full, so the count is kept small. */
const MAX_ALIAS_COUNT = 100;

/** A config problem: which key, on which line, and why. */
export interface ConfigError {
  file: string;
  line: number;
  key: string;
  message: string;
}

export function formatConfigError(error: ConfigError): string {
  return `${error.file}:${error.line}: ${error.key ? `${error.key}: ` : ''}${error.message}`;
}

/**
 * Parses the config text. The whole file is accepted or rejected: an invalid file is never
 * half-applied, so callers fall back to nothing, not to a mix.
 */
export function parseRepoConfig(text: string, file = CONFIG_PATH): { config: RepoConfig } | { errors: ConfigError[] } {
  if (text.length > MAX_CONFIG_CHARS) {
    return { errors: [{ file, line: 1, key: '', message: `is ${text.length} characters long; a config is at most ${MAX_CONFIG_CHARS} (256 KiB)` }] };
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => ({ file, line: lineAt(text, e.pos[0]), key: '', message: `not valid YAML: ${e.message.split('\n')[0]}` })),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError past maxAliasCount (a "billion laughs" alias bomb,
    // https://eemeli.org/yaml/#tojs-options); that is this file's fault, so it is a config error.
    if (error instanceof ReferenceError) return { errors: [{ file, line: 1, key: '', message: `uses YAML aliases that expand too far (more than ${MAX_ALIAS_COUNT} alias uses): ${error.message}` }] };
    throw error;
  }
  const result = repoConfigSchema.safeParse(raw ?? undefined);
  if (result.success) return { config: result.data };
  return {
    errors: result.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : p));
      const key = path.join('.');
      const node = nodeAtPath(doc.contents, path, issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined);
      const line = node?.range ? lineAt(text, node.range[0]) : 1;
      const message = issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return { file, line, key, message };
    }),
  };
}

/** Finds the YAML node for a config path so errors point at the line the user wrote. */
function nodeAtPath(root: unknown, path: (string | number)[], childKey?: string): YamlNode | null {
  let node: unknown = root;
  const steps = childKey === undefined ? path : [...path, childKey];
  let last: YamlNode | null = isMap(root) || isSeq(root) || isScalar(root) ? root : null;
  for (const step of steps) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(step));
      if (!pair) return last;
      last = isScalar(pair.key) ? pair.key : last;
      node = pair.value;
      if (isMap(node) || isSeq(node) || isScalar(node)) last = childKey === step ? (pair.key as YamlNode) : node;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      if (isMap(node) || isSeq(node) || isScalar(node)) last = node;
    } else {
      return last;
    }
  }
  return last;
}
