// A separate process that PINGs a Redis every millisecond over a raw socket, one PING in flight
// at a time like a client waiting for its answer, and reports on "report" the worst and the
// 99th-percentile round trip since the last report. Its own event loop is idle, so what it
// measures is the server, not the process running the job.
import { connect } from 'node:net'

const sock = connect({ port: Number(process.argv[2]), host: '127.0.0.1' })
let rtts = []
let sentAt = -1
let pending = ''
sock.setNoDelay(true)
sock.on('data', (d) => {
  pending += d
  if (!pending.endsWith('\r\n')) return
  pending = ''
  rtts.push(performance.now() - sentAt)
  sentAt = -1
})
const timer = setInterval(() => {
  if (sentAt >= 0) return
  sentAt = performance.now()
  sock.write('PING\r\n')
}, 1)
process.on('message', (m) => {
  if (m === 'report') {
    const sorted = Float64Array.from(rtts).sort()
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : 0)
    process.send({ worst: at(1), p99: at(0.99), pings: sorted.length })
    rtts = []
  } else if (m === 'stop') {
    clearInterval(timer)
    sock.end()
    process.exit(0)
  }
})
