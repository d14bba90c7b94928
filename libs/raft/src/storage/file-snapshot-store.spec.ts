import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Snapshot } from '../core/types';
import { FileSnapshotStore } from './file-snapshot-store';

function snapshot(index: number, text: string): Snapshot {
  return { metadata: { index, term: 2, members: ['n1', 'n2', 'n3'] }, data: new Uint8Array(Buffer.from(text)) };
}

describe('FileSnapshotStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'raft-snap-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('returns the newest snapshot and keeps only the last two', async () => {
    const store = await FileSnapshotStore.open(dir);
    for (const index of [10, 20, 30]) await store.save(snapshot(index, `state@${index}`));
    expect((await store.list()).map((s) => s.index)).toEqual([20, 30]);
    const { snapshot: latest, rejected } = await store.latest();
    expect(latest).toEqual(snapshot(30, 'state@30'));
    expect(rejected).toEqual([]);
  });

  it('is atomic: a save that crashed before its rename leaves the previous snapshot, and the temp file is removed', async () => {
    const store = await FileSnapshotStore.open(dir);
    await store.save(snapshot(10, 'complete'));
    // What a crash between write and rename leaves behind: a partial temporary file.
    await fs.writeFile(path.join(dir, '0000000000000020-0000000000000002.snap.tmp'), Buffer.from('RSNP partial'));

    const reopened = await FileSnapshotStore.open(dir);
    expect((await reopened.latest()).snapshot).toEqual(snapshot(10, 'complete'));
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects a snapshot that fails its checksum, names it, and falls back to the older one', async () => {
    const store = await FileSnapshotStore.open(dir);
    await store.save(snapshot(10, 'older'));
    await store.save(snapshot(20, 'newer'));
    const newest = path.join(dir, '0000000000000020-0000000000000002.snap');
    const bytes = await fs.readFile(newest);
    bytes[bytes.length - 1] ^= 0xff;
    await fs.writeFile(newest, bytes);

    const { snapshot: latest, rejected } = await store.latest();
    expect(latest).toEqual(snapshot(10, 'older'));
    expect(rejected).toEqual([{ file: newest, reason: 'snapshot fails its checksum' }]);
  });
});
