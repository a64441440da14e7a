// Generates Latchkey's small PNG icons (a keyhole on a rounded square) with no dependencies.
// Run: node assets/make-icons.mjs  — the PNGs are committed; rerun only to change the design.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};

/** pixel(x, y) in 0..1 coordinates → [r, g, b, a]. */
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const inKeyhole = (x, y) => Math.hypot(x - 0.5, y - 0.4) < 0.16 || (y > 0.42 && y < 0.78 && Math.abs(x - 0.5) < 0.06 + (y - 0.42) * 0.25);
const inRoundedSquare = (x, y, inset, radius) => {
  const dx = Math.max(Math.abs(x - 0.5) - (0.5 - inset - radius), 0);
  const dy = Math.max(Math.abs(y - 0.5) - (0.5 - inset - radius), 0);
  return Math.hypot(dx, dy) <= radius;
};

const colour = (x, y) => (inRoundedSquare(x, y, 0.04, 0.18) ? (inKeyhole(x, y) ? [255, 255, 255, 255] : [46, 94, 170, 255]) : [0, 0, 0, 0]);
// macOS template image: black shape with alpha; the keyhole is cut out.
const template = (x, y) => (inRoundedSquare(x, y, 0.06, 0.16) && !inKeyhole(x, y) ? [0, 0, 0, 255] : [0, 0, 0, 0]);

const here = import.meta.dirname;
const files = {
  'icon.png': png(512, colour),
  'tray.png': png(16, colour),
  'tray@2x.png': png(32, colour),
  'trayTemplate.png': png(16, template),
  'trayTemplate@2x.png': png(32, template),
};
for (const [name, bytes] of Object.entries(files)) writeFileSync(join(here, name), bytes);
console.log(Object.entries(files).map(([name, bytes]) => `${name} ${bytes.length} B`).join('\n'));
