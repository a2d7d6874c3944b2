/**
 * What an embedded ICC profile says of itself: whether it is sRGB's. Pixels tagged sRGB are already in the
 * colour space ranfer works in, so decoding can skip the colour transform (which costs about as much as
 * decoding the JPEG itself and leaves 8-bit sRGB pixels as they are).
 */

/** The profile's description (its `desc` tag, ICC v2 text or v4 `mluc` UTF-16), or undefined if unreadable. */
export function iccDescription(icc: Uint8Array): string | undefined {
  const v = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const ascii = (at: number, n: number) => String.fromCharCode(...icc.subarray(at, at + n));
  const inside = (at: number, n: number) => at >= 0 && n >= 0 && at + n <= icc.length;
  if (!inside(0, 132) || ascii(36, 4) !== 'acsp') return undefined;
  const tags = v.getUint32(128);
  for (let i = 0; i < tags && inside(132 + 12 * i, 12); i++) {
    const entry = 132 + 12 * i;
    if (ascii(entry, 4) !== 'desc') continue;
    const at = v.getUint32(entry + 4);
    if (!inside(at, 16)) return undefined;
    const type = ascii(at, 4);
    if (type === 'desc') {
      const n = v.getUint32(at + 8);
      if (!inside(at + 12, n)) return undefined;
      return ascii(at + 12, n).replace(/\0.*$/s, '');
    }
    if (type === 'mluc' && v.getUint32(at + 8) > 0 && inside(at + 16, 12)) {
      const n = v.getUint32(at + 16 + 4);
      const start = at + v.getUint32(at + 16 + 8);
      if (!inside(start, n)) return undefined;
      let s = '';
      for (let k = 0; k + 1 < n; k += 2) s += String.fromCharCode(v.getUint16(start + k));
      return s.replace(/\0.*$/s, '');
    }
    return undefined;
  }
  return undefined;
}

/** Whether an ICC profile is an RGB profile describing itself as sRGB (e.g. "sRGB IEC61966-2.1"). */
export function isSrgbProfile(icc: Uint8Array): boolean {
  if (icc.length < 20 || String.fromCharCode(...icc.subarray(16, 20)) !== 'RGB ') return false;
  return /\bsRGB\b/.test(iccDescription(icc) ?? '');
}
