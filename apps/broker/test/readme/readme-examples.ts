import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Reads the shell examples of one README section so a test can run them as a user would. A
 * `sh` block is a list of commands: each command is its lines up to one that does not end in
 * `\` or `|`; `NAME=value` lines are assignments every later command of the block sees; a
 * `# → ...` comment (and the `#    ...` lines right after it) is the documented answer of the
 * command just before it. Other comment lines are prose. A block indented inside a list item is
 * one script (a loop, say), run whole with the assignments of the blocks before it.
 */
export interface ShellExample {
  /** The command as written in the README. */
  readonly command: string;
  /** The assignments written before it in its block (e.g. `B=http://localhost:8080/v3/clusters/-`). */
  readonly assignments: readonly string[];
  /** The documented answer, as written after `# →` (joined into one line), if any. */
  readonly documented: string | undefined;
  /** A whole script (an indented block): judged by its exit code and output, not by curl's statuses. */
  readonly script?: boolean;
}

export const README_PATH = path.resolve(__dirname, '../../../../README.md');

export function readmeSection(heading: string, text = fs.readFileSync(README_PATH, 'utf8')): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

export function shellExamples(section: string): ShellExample[] {
  const examples: ShellExample[] = [];
  const sectionAssignments: string[] = [];
  for (const block of section.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)) {
    const indent = block[1];
    if (indent.length > 0) {
      const script = block[2]
        .split('\n')
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      examples.push({ command: script.trim(), assignments: [...sectionAssignments], documented: undefined, script: true });
      continue;
    }
    const assignments: string[] = [];
    let pending: string[] = [];
    let documented: string[] | undefined;
    const finishDocumented = (): void => {
      if (documented === undefined) return;
      const last = examples[examples.length - 1];
      examples[examples.length - 1] = { ...last, documented: documented.join(' ') };
      documented = undefined;
    };
    for (const line of block[2].split('\n')) {
      const trimmed = line.trim();
      if (pending.length > 0) {
        pending.push(line);
        if (!/[\\|]$/.test(trimmed)) {
          examples.push({ command: pending.join('\n'), assignments: [...assignments], documented: undefined });
          pending = [];
        }
        continue;
      }
      if (trimmed.startsWith('# →')) {
        finishDocumented();
        documented = [trimmed.slice('# →'.length).trim()];
      } else if (documented !== undefined && /^#\s{2,}/.test(trimmed)) {
        documented.push(trimmed.replace(/^#\s+/, ''));
      } else {
        finishDocumented();
        if (trimmed === '' || trimmed.startsWith('#')) continue;
        if (/^[A-Z_][A-Z0-9_]*=\S+$/.test(trimmed)) {
          assignments.push(trimmed);
          sectionAssignments.push(trimmed);
        } else if (/[\\|]$/.test(trimmed)) {
          pending = [line];
        } else {
          examples.push({ command: line, assignments: [...assignments], documented: undefined });
        }
      }
    }
    finishDocumented();
    if (pending.length > 0) throw new Error(`unterminated command in the README:\n${pending.join('\n')}`);
  }
  return examples;
}

const ANY = '\u0000any';

/**
 * Parses a documented answer such as `{"partition_id":0,"timestamp":…,"key":{"type":"STRING","size":5}}`:
 * `…` (or `"…"`, `{…}`, `[…]`) as a value matches anything, `…` as a member or element stands for "more of the same".
 */
export function parseDocumented(documented: string): unknown {
  const json = documented
    .replace(/"…"|\{…\}|\[…\]/g, JSON.stringify(ANY))
    .replace(/:\s*…/g, `:${JSON.stringify(ANY)}`)
    .replace(/,\s*…/g, '')
    .replace(/…\s*,/g, '');
  return JSON.parse(json);
}

/** The paths where `actual` differs from `expected` (a documented answer): empty when it matches. */
export function mismatches(expected: unknown, actual: unknown, at = '$'): string[] {
  if (expected === ANY) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${at}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, e]) => mismatches(e, (actual as Record<string, unknown>)[key], `${at}.${key}`));
  }
  return Object.is(expected, actual) ? [] : [`${at}: documented ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
