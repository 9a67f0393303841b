import { isSeq, type Node as YamlNode } from 'yaml';
import { mapGet, resolveNode, seqItems, type YamlDocument } from '../yaml-scalars.js';

/**
 * One item of a `steps:` list since parallel steps (GA June 2026,
 * https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsparallel):
 * a step (`uses:`, `run:`, also `background: true`, `wait:`, `cancel:`), a `parallel:` group whose
 * items start at once, or a `sequential:` list whose items run in order (a branch of a
 * parallel group). Groups nest to any depth.
 */
export type StepItem = { kind: 'step'; node: YamlNode } | StepGroup;
export interface StepGroup {
  kind: 'parallel' | 'sequential';
  items: StepItem[];
}

const GROUP_KEYS = ['parallel', 'sequential'] as const;

/**
 * A `steps:` list as a tree of steps and groups. A mapping whose `parallel:` or `sequential:` is
 * a sequence is a group (a group runs nothing of its own). An alias back to a list being read
 * (`steps: &s [{ parallel: *s }]`) is a cycle: that group reads as empty rather than looping.
 */
export function stepTree(doc: YamlDocument, steps: unknown): StepItem[] {
  const read = (list: YamlNode | null, ancestors: ReadonlySet<YamlNode>): StepItem[] => {
    if (!isSeq(list) || ancestors.has(list)) return [];
    const inner = new Set(ancestors).add(list);
    return seqItems(doc, list).map((node): StepItem => {
      for (const kind of GROUP_KEYS) {
        const group = resolveNode(doc, mapGet(doc, node, kind));
        if (isSeq(group)) return { kind, items: read(group, inner) };
      }
      return { kind: 'step', node };
    });
  };
  return read(resolveNode(doc, steps), new Set());
}

/** Every step of a `steps:` list in file order, through `parallel:` and `sequential:` groups. */
export function flattenSteps(doc: YamlDocument, steps: unknown): YamlNode[] {
  const flatten = (items: StepItem[]): YamlNode[] => items.flatMap((item) => (item.kind === 'step' ? [item.node] : flatten(item.items)));
  return flatten(stepTree(doc, steps));
}
