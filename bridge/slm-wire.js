// @ts-check
// Decodes a bundle shipped as `.slm4` (webbuild/wire.py): the exact `.slm` bytes, rebuilt from a copy whose
// 4-bit-representable int8 weights travel as nibbles plus one multiplier per 16 values of a column. Runs in
// the bridge's worker before Python verifies the bundle's hashes (its cost: bench/ANALYSIS.md).

const MAGIC = [0x53, 0x4c, 0x4d, 0x34]; // "SLM4"
const GROUP = 16; // converter/matmul4.py GROUP

/** True if `bytes` (a Uint8Array) starts like an `.slm4` file. */
export function isWire(bytes) {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/** The bundle an `.slm4` file holds, as a Uint8Array. Throws on a malformed file. */
export function decodeWire(bytes) {
  if (!isWire(bytes)) throw new Error("not an .slm4 bundle");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const runs = header.runs;
  const kept = header.size - runs.reduce((sum, [, rows, cols]) => sum + rows * cols, 0);
  const rest = bytes.subarray(8 + headerLength, 8 + headerLength + kept);
  let packed = 8 + headerLength + kept;
  if (kept < 0 || packed + runs.reduce((s, [, r, c]) => s + (r / 2) * c + (r / GROUP) * c, 0) !== bytes.length) {
    throw new Error(".slm4 bundle is truncated or malformed");
  }
  const out = new Uint8Array(header.size);
  const signed = new Int8Array(out.buffer);
  let written = 0;
  let taken = 0;
  for (const [offset, rows, cols] of runs) {
    const gap = offset - written;
    out.set(rest.subarray(taken, taken + gap), written);
    taken += gap;
    written = offset;
    const nibbles = bytes.subarray(packed, packed + (rows / 2) * cols);
    packed += nibbles.length;
    const multipliers = bytes.subarray(packed, packed + (rows / GROUP) * cols);
    packed += multipliers.length;
    // Byte i of a column holds rows 2i (low nibble) and 2i+1 (high), both in group floor(2i / GROUP).
    for (let i = 0; i < rows / 2; i++) {
      const group = ((2 * i) / GROUP) | 0;
      const low = offset + 2 * i * cols;
      for (let c = 0; c < cols; c++) {
        const b = nibbles[i * cols + c];
        const m = multipliers[group * cols + c];
        signed[low + c] = ((b & 15) - 8) * m;
        signed[low + cols + c] = ((b >> 4) - 8) * m;
      }
    }
    written += rows * cols;
  }
  out.set(rest.subarray(taken), written);
  return out;
}
