import { deflateRawSync, inflateRawSync } from 'node:zlib'

/**
 * The on-disk form of a chunk of points: columns of typed arrays, each made compressible before
 * deflate. Times become differences from the previous time (a poll every second is a run of
 * near-equal small integers); values become the XOR of their bits with the previous value's (a
 * series that moves slowly keeps its sign, exponent and high mantissa bits, which cancel), and
 * every column is byte-shuffled (all first bytes, then all second bytes...) so that the bytes
 * that barely change sit together where deflate squeezes them. Written here because it is the
 * store's hot path and small; the format is versioned by its first byte.
 */
const FORMAT = 1

/** The first byte of a packed buffer: how the rest is stored. */
const enum Storage {
  Deflated = 0x44,
  /** Small buffers (a compaction's few buckets): deflate would save little and cost its setup. */
  Plain = 0x50
}
/** Below this many bytes, columns are stored shuffled but not deflated. */
export const PLAIN_BELOW_BYTES = 512

export type Column = Float64Array | Float32Array | Int32Array

const enum Kind {
  /** Float32, XOR with the previous value's bits. */
  F32 = 1,
  /** Float64, XOR with the previous value's bits. */
  F64 = 2,
  /** Int32, difference from the previous value. */
  DeltaI32 = 3
}

function kindOf(c: Column): Kind {
  if (c instanceof Float32Array) return Kind.F32
  if (c instanceof Float64Array) return Kind.F64
  return Kind.DeltaI32
}

function shuffle(bytes: Uint8Array, width: number, out: Uint8Array, at: number): void {
  const n = bytes.length / width
  for (let b = 0; b < width; b++) {
    const base = at + b * n
    for (let i = 0; i < n; i++) out[base + i] = bytes[i * width + b]!
  }
}

function unshuffle(src: Uint8Array, at: number, width: number, n: number): Uint8Array {
  const out = new Uint8Array(n * width)
  for (let b = 0; b < width; b++) {
    const base = at + b * n
    for (let i = 0; i < n; i++) out[i * width + b] = src[base + i]!
  }
  return out
}

/** Columns of equal length into one compressed buffer. */
export function packColumns(columns: Column[]): Buffer {
  const n = columns.length ? columns[0]!.length : 0
  let body = 0
  for (const c of columns) {
    if (c.length !== n) throw new Error(`columns differ in length (${c.length} and ${n})`)
    body += c.byteLength
  }
  const header = 2 + 4 + columns.length
  const raw = new Uint8Array(header + body)
  raw[0] = FORMAT
  raw[1] = columns.length
  new DataView(raw.buffer).setUint32(2, n, true)
  let at = header
  columns.forEach((c, k) => {
    const kind = kindOf(c)
    raw[6 + k] = kind
    if (kind === Kind.DeltaI32) {
      const d = new Int32Array(n)
      let prev = 0
      for (let i = 0; i < n; i++) {
        d[i] = (c[i]! - prev) | 0
        prev = c[i]!
      }
      shuffle(new Uint8Array(d.buffer), 4, raw, at)
    } else {
      const words = kind === Kind.F32 ? new Uint32Array(c.buffer, c.byteOffset, n) : new Uint32Array(c.buffer, c.byteOffset, n * 2)
      const x = new Uint32Array(words.length)
      const step = kind === Kind.F32 ? 1 : 2
      for (let i = 0; i < words.length; i++) x[i] = i < step ? words[i]! : (words[i]! ^ words[i - step]!) >>> 0
      shuffle(new Uint8Array(x.buffer), kind === Kind.F32 ? 4 : 8, raw, at)
    }
    at += c.byteLength
  })
  if (raw.length < PLAIN_BELOW_BYTES) return Buffer.concat([Buffer.of(Storage.Plain), raw])
  return Buffer.concat([Buffer.of(Storage.Deflated), deflateRawSync(raw, { level: 6 })])
}

/** The columns packColumns wrote, or an error naming what is wrong with the buffer. */
export function unpackColumns(buf: Uint8Array): Column[] {
  let raw: Buffer
  const storage = buf[0]
  if (storage === Storage.Plain) raw = Buffer.from(buf.buffer, buf.byteOffset + 1, buf.byteLength - 1)
  else if (storage === Storage.Deflated)
    try {
      raw = inflateRawSync(buf.subarray(1))
    } catch (err) {
      throw new Error(`a stored chunk does not inflate: ${(err as Error).message}`, { cause: err })
    }
  else throw new Error(`a stored chunk has an unknown storage (${storage ?? 'empty'})`)
  if (raw.length < 6 || raw[0] !== FORMAT) throw new Error(`a stored chunk has an unknown format (${raw[0] ?? 'empty'})`)
  const count = raw[1]!
  const n = raw.readUInt32LE(2)
  const out: Column[] = []
  let at = 2 + 4 + count
  for (let k = 0; k < count; k++) {
    const kind = raw[6 + k] as Kind
    const width = kind === Kind.F64 ? 8 : 4
    if (at + n * width > raw.length) throw new Error('a stored chunk is shorter than its header says')
    const bytes = unshuffle(raw, at, width, n)
    at += n * width
    if (kind === Kind.DeltaI32) {
      const d = new Int32Array(bytes.buffer)
      const c = new Int32Array(n)
      let prev = 0
      for (let i = 0; i < n; i++) prev = c[i] = (prev + d[i]!) | 0
      out.push(c)
    } else if (kind === Kind.F32 || kind === Kind.F64) {
      const x = new Uint32Array(bytes.buffer)
      const step = kind === Kind.F32 ? 1 : 2
      for (let i = step; i < x.length; i++) x[i] = (x[i]! ^ x[i - step]!) >>> 0
      out.push(kind === Kind.F32 ? new Float32Array(x.buffer) : new Float64Array(x.buffer))
    } else throw new Error(`a stored chunk has a column of unknown kind ${String(kind)}`)
  }
  return out
}
