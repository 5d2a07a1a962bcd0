import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptLogError } from './errors';
import { isValidPartition, isValidTopicName, tmpFileName } from './file-names';
import { isNotFound } from './io';

export interface OffsetCheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

const CHECKPOINT_VERSION = 0;

/**
 * Kafka's offset checkpoint text format (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, replication-offset-checkpoint):
 *
 *   0                       version
 *   <n>                     number of entries
 *   <topic> <partition> <offset>     n lines
 */
export function formatOffsetCheckpoint(entries: readonly OffsetCheckpointEntry[]): string {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length)];
  for (const { topic, partition, offset } of entries) lines.push(`${topic} ${partition} ${offset}`);
  return lines.join('\n') + '\n';
}

/** Parses the format above; anything malformed throws CorruptLogError (callers then recover). */
export function parseOffsetCheckpoint(text: string, file: string): OffsetCheckpointEntry[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, reason: string): never => {
    throw new CorruptLogError(file, line, reason);
  };
  if (lines[0] !== String(CHECKPOINT_VERSION)) fail(0, `unsupported version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length !== count + 2)
    fail(1, `expected ${lines[1]} entries, found ${lines.length - 2}`);
  const entries: OffsetCheckpointEntry[] = [];
  for (let i = 2; i < lines.length; i++) {
    const fields = lines[i].split(' ');
    const partition = Number(fields[1]);
    const offset = Number(fields[2]);
    if (fields.length !== 3 || !isValidTopicName(fields[0]) || !/^\d+$/.test(fields[1]) || !isValidPartition(partition)) {
      fail(i, `malformed entry ${JSON.stringify(lines[i])}`);
    }
    if (!/^\d+$/.test(fields[2]) || !Number.isSafeInteger(offset)) fail(i, `malformed offset ${JSON.stringify(fields[2])}`);
    entries.push({ topic: fields[0], partition, offset });
  }
  return entries;
}

/** Reads a checkpoint file; undefined if it does not exist. */
export async function readOffsetCheckpoint(file: string): Promise<OffsetCheckpointEntry[] | undefined> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return parseOffsetCheckpoint(text, file);
}

/**
 * Replaces `file` atomically and durably: write `file.tmp`, fsync it, rename over `file`, fsync
 * the directory. A crash leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomically(file: string, data: string | Buffer): Promise<void> {
  const tmp = tmpFileName(file);
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
  await fsyncDirectory(path.dirname(file));
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
