/** CRC-32 as used by gzip (RFC 1952), zip (APPNOTE 4.4.7) and PNG (ISO/IEC 15948 Annex D). */

let crcTables: Int32Array | undefined;

/** Eight 256-entry tables for CRC-32 by slicing-by-8 (table k advances a byte k positions further). */
function crcTablesOnce(): Int32Array {
  if (crcTables) return crcTables;
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n] as number;
      t[k * 256 + n] = (prev >>> 8) ^ (t[prev & 0xff] as number);
    }
  }
  crcTables = t;
  return t;
}

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as stored in the gzip trailer, eight
 * bytes per step (slicing-by-8; the same value as the bytewise table method). `previous` is the
 * CRC of the bytes before `data`, so a stream can be checked piece by piece:
 * crc32(b, crc32(a)) = crc32(a ‖ b).
 */
export function crc32(data: Uint8Array, previous = 0): number {
  const t = crcTablesOnce();
  const n = data.length;
  const end8 = n - (n % 8);
  let c = ~previous;
  let i = 0;
  for (; i < end8; i += 8) {
    const a = ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24)) ^ c;
    const b = (data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24);
    c =
      (t[1792 + (a & 0xff)] as number) ^
      (t[1536 + ((a >>> 8) & 0xff)] as number) ^
      (t[1280 + ((a >>> 16) & 0xff)] as number) ^
      (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (b & 0xff)] as number) ^
      (t[512 + ((b >>> 8) & 0xff)] as number) ^
      (t[256 + ((b >>> 16) & 0xff)] as number) ^
      (t[b >>> 24] as number);
  }
  for (; i < n; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
