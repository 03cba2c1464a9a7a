// Draws Lookout's icon (a ring with a pulse line) into resources/icon.png; no image tools needed.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const N = 256
const px = Buffer.alloc(N * N * 4)
const set = (x, y, r, g, b, a = 255) => {
  if (x < 0 || y < 0 || x >= N || y >= N) return
  const i = (y * N + x) * 4
  px[i] = r
  px[i + 1] = g
  px[i + 2] = b
  px[i + 3] = a
}
const c = N / 2
for (let y = 0; y < N; y++)
  for (let x = 0; x < N; x++) {
    const d = Math.hypot(x - c + 0.5, y - c + 0.5)
    if (d < 120) set(x, y, 17, 20, 24)
    if (d >= 100 && d < 116) set(x, y, 90, 169, 255)
  }
// pulse line across the middle
const pts = [
  [40, 128],
  [90, 128],
  [110, 80],
  [135, 176],
  [155, 110],
  [170, 128],
  [216, 128]
]
for (let k = 0; k < pts.length - 1; k++) {
  const [x0, y0] = pts[k],
    [x1, y1] = pts[k + 1]
  const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) * 2
  for (let s = 0; s <= steps; s++) {
    const x = Math.round(x0 + ((x1 - x0) * s) / steps),
      y = Math.round(y0 + ((y1 - y0) * s) / steps)
    for (let dx = -5; dx <= 5; dx++) for (let dy = -5; dy <= 5; dy++) if (dx * dx + dy * dy <= 25) set(x + dx, y + dy, 63, 185, 111)
  }
}
const raw = Buffer.alloc((N * 4 + 1) * N)
for (let y = 0; y < N; y++) px.copy(raw, y * (N * 4 + 1) + 1, y * N * 4, (y + 1) * N * 4)
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc = (buf) => {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
const chunk = (type, data) => {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type), data])
  const cr = Buffer.alloc(4)
  cr.writeUInt32BE(crc(td))
  return Buffer.concat([len, td, cr])
}
const ihdr = Buffer.alloc(13)
ihdr.writeUInt32BE(N, 0)
ihdr.writeUInt32BE(N, 4)
ihdr[8] = 8
ihdr[9] = 6
writeFileSync(
  new URL('../resources/icon.png', import.meta.url),
  Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ])
)
