import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Snapshot, SnapshotMetadata } from '../core/types';
import { BinaryReader, BinaryWriter } from './binary';
import { crc32c } from './crc32c';
import { readSnapshotMetadata, writeSnapshotMetadata } from './entry-codec';
import { fsyncDirectory } from './file-wal';
import type { SnapshotStore } from '../ports/snapshot-store';

const MAGIC = 0x504e5352; // "RSNP"
const VERSION = 1;
const SUFFIX = '.snap';
const TEMP_SUFFIX = '.tmp';
/** magic u32, version u8, crc32c u32 of everything after the header */
const HEADER_BYTES = 9;

/**
 * Snapshots as files `<index>-<term>.snap` (zero-padded, so that names sort by index). A save writes
 * `<name>.tmp`, fsyncs it, renames it into place and fsyncs the directory: a crash leaves either the complete
 * new file or none (a leftover `.tmp` is deleted at the next start). Each file carries a CRC-32C of its body.
 */
export class FileSnapshotStore implements SnapshotStore {
  private constructor(
    private readonly dir: string,
    private readonly retain: number,
  ) {}

  static async open(dir: string, opts: { retain?: number } = {}): Promise<FileSnapshotStore> {
    await fs.mkdir(dir, { recursive: true });
    for (const name of await fs.readdir(dir)) {
      if (name.endsWith(TEMP_SUFFIX)) await fs.unlink(path.join(dir, name));
    }
    return new FileSnapshotStore(dir, Math.max(2, opts.retain ?? 2));
  }

  async save(snapshot: Snapshot): Promise<void> {
    const body = new BinaryWriter(snapshot.data.length + 256);
    writeSnapshotMetadata(body, snapshot.metadata);
    body.bytes(snapshot.data);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt8(VERSION, 4);
    header.writeUInt32LE(crc32c(body.view()), 5);

    const name = fileName(snapshot.metadata);
    const finalPath = path.join(this.dir, name);
    const tempPath = finalPath + TEMP_SUFFIX;
    const handle = await fs.open(tempPath, 'w');
    try {
      await handle.writev([header, body.view()]);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tempPath, finalPath);
    await fsyncDirectory(this.dir);
    await this.deleteOld();
  }

  async latest(): Promise<{ snapshot: Snapshot | null; rejected: { file: string; reason: string }[] }> {
    const rejected: { file: string; reason: string }[] = [];
    for (const name of (await this.names()).reverse()) {
      const file = path.join(this.dir, name);
      try {
        return { snapshot: decode(await fs.readFile(file)), rejected };
      } catch (error) {
        rejected.push({ file, reason: (error as Error).message });
      }
    }
    return { snapshot: null, rejected };
  }

  async list(): Promise<{ index: number; term: number }[]> {
    return (await this.names()).map(parseName);
  }

  private async names(): Promise<string[]> {
    return (await fs.readdir(this.dir)).filter((name) => name.endsWith(SUFFIX)).sort();
  }

  private async deleteOld(): Promise<void> {
    const names = await this.names();
    for (const name of names.slice(0, Math.max(0, names.length - this.retain))) {
      await fs.unlink(path.join(this.dir, name));
    }
  }
}

function fileName(metadata: SnapshotMetadata): string {
  return `${String(metadata.index).padStart(16, '0')}-${String(metadata.term).padStart(16, '0')}${SUFFIX}`;
}

function parseName(name: string): { index: number; term: number } {
  const [index, term] = name.slice(0, -SUFFIX.length).split('-').map(Number);
  return { index: index ?? 0, term: term ?? 0 };
}

function decode(file: Buffer): Snapshot {
  if (file.length < HEADER_BYTES || file.readUInt32LE(0) !== MAGIC) throw new Error('not a snapshot file');
  if (file.readUInt8(4) !== VERSION) throw new Error(`unknown snapshot version ${file.readUInt8(4)}`);
  const body = file.subarray(HEADER_BYTES);
  if (crc32c(body) !== file.readUInt32LE(5)) throw new Error('snapshot fails its checksum');
  const reader = new BinaryReader(body);
  const metadata = readSnapshotMetadata(reader);
  const data = reader.bytes();
  if (reader.remaining !== 0) throw new Error('trailing bytes after the snapshot');
  return { metadata, data };
}
