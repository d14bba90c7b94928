/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven, one byte per step. Chosen over plain
 * CRC-32 because it detects more error patterns in short records and is what etcd's WAL and iSCSI use.
 * Check value: crc32c("123456789") = 0xE3069283.
 */
const TABLE = buildTable(0x82f63b78);

function buildTable(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Extends `crc` (0 to start) with `bytes[start, end)`. */
export function crc32c(bytes: Uint8Array, crc = 0, start = 0, end = bytes.length): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
