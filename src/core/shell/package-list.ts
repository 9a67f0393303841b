import { lineAt, type DatasourceName, type DependencyRef, type ManagerName, type SourceFile, type Span } from '../reference.js';
import type { ShellWord } from './command-line.js';

/**
 * A package list is the run of package words of one install command (`apk add b a`,
 * `apt-get install -y b a`). Lists are kept sorted by rewriting their words in place: slot i
 * receives the i-th package in sorted order, so flags, quotes elsewhere, continuations and
 * comments between the words never move.
 */
export interface ListSlot {
  word: ShellWord;
  /** What the list is sorted by: the package name (and architecture, for apt). */
  key: string;
}

export interface WordWrite {
  span: Span;
  text: string;
}

/** Whether a list is already in order (by UTF-16 code units, which for package names is alphabetical). */
export function isSortedList(slots: readonly ListSlot[]): boolean {
  return slots.every((slot, i) => i === 0 || compareKeys(slots[i - 1]!.key, slot.key) <= 0);
}

/** The slots in sorted order; equal keys keep their order. */
export function sortSlots<T extends ListSlot>(slots: readonly T[]): T[] {
  return slots.map((slot, index) => ({ slot, index })).sort((a, b) => compareKeys(a.slot.key, b.slot.key) || a.index - b.index).map(({ slot }) => slot);
}

/**
 * The writes that put `texts` (one per slot, in the slots' order) into the list sorted: slot i
 * gets the text of the i-th slot in key order. Null when a slot has no single span in the file.
 */
export function sortedListWrites<T extends ListSlot>(slots: readonly T[], textOf: (slot: T) => string): WordWrite[] | null {
  if (slots.some((slot) => slot.word.span === null)) return null;
  const sorted = sortSlots(slots);
  const writes: WordWrite[] = [];
  slots.forEach((slot, i) => {
    const text = textOf(sorted[i]!);
    if (text !== slot.word.raw) writes.push({ span: slot.word.span!, text });
  });
  return writes;
}

/** Where a package word stands: its list among a file's lists, and its slot in that list. */
export interface SlotAddress {
  list: number;
  slot: number;
}

/** The address as reference context (`{ list: "2", slot: "0" }`), so a writer finds the word again by structure. */
export function slotContext(address: SlotAddress): { list: string; slot: string } {
  return { list: String(address.list), slot: String(address.slot) };
}

export function slotAddressOf(context: Readonly<Record<string, string>> | undefined): SlotAddress | null {
  const list = Number(context?.list ?? NaN);
  const slot = Number(context?.slot ?? NaN);
  return Number.isInteger(list) && Number.isInteger(slot) ? { list, slot } : null;
}

/**
 * Writes new texts into package words and sorts every list that received one. `lists` must be
 * read from `text` the same way the addresses were made; an address whose word no longer
 * passes `matches` is ignored. A list with a word split across lines is written without sorting.
 */
export function rewritePackageLists<T extends ListSlot>(text: string, lists: readonly (readonly T[])[], replacements: readonly (SlotAddress & { text: string; matches: (slot: T) => boolean })[]): string {
  const byList = new Map<number, Map<T, string>>();
  for (const replacement of replacements) {
    const slot = lists[replacement.list]?.[replacement.slot];
    if (!slot || !replacement.matches(slot)) continue;
    const texts = byList.get(replacement.list) ?? new Map<T, string>();
    texts.set(slot, replacement.text);
    byList.set(replacement.list, texts);
  }
  const writes: WordWrite[] = [];
  for (const [list, texts] of byList) {
    const slots = lists[list]!;
    const textOf = (slot: T) => texts.get(slot) ?? slot.word.raw;
    for (const item of sortedListWrites(slots, textOf) ?? [...texts].flatMap(([slot, text]) => (slot.word.span ? [{ span: slot.word.span, text }] : []))) writes.push(item);
  }
  return applyWordWrites(text, writes);
}

/** A word that installs packages only known when the shell runs (`$PACKAGES`, a pattern): listed as a skipped reference. */
export function unreadWordRef(file: SourceFile, word: ShellWord, manager: ManagerName, datasource: DatasourceName): DependencyRef {
  return {
    file: file.path,
    line: lineAt(file.text, word.at),
    manager,
    datasource,
    name: word.raw,
    value: null,
    digest: null,
    pinned: false,
    skipped: 'names its packages through a shell variable or pattern, so they are only known at build time',
  };
}

/** Applies non-overlapping writes to a text, last first, so earlier spans stay valid. */
export function applyWordWrites(text: string, writes: readonly WordWrite[]): string {
  let out = text;
  for (const write of [...writes].sort((a, b) => b.span.start - a.span.start)) out = out.slice(0, write.span.start) + write.text + out.slice(write.span.end);
  return out;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
